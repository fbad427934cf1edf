"""Cases: opening, the lifecycle and its guards, comments, handovers and the SLA sweeps."""
