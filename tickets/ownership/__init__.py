"""First-owner transfers, the orphan sweep and unit queues with automatic assignment."""
