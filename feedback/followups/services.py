"""Writes of the follow-up loop."""

from __future__ import annotations


def followup_schedule_for_ticket(*, ticket_id: int) -> int:
    """Placeholder until the follow-up change lands."""
    return 0


def followup_sweep(*, now) -> int:
    """Placeholder until the follow-up change lands."""
    return 0
