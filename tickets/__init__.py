"""Tickets: cases with first responsibility, SLA clocks, entitlement and recourse."""
