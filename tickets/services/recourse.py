"""Tickets services: recourse."""

from __future__ import annotations


def recourse_sweep(*, now) -> int:
    """Placeholder until this concern's change lands; returns the rows touched."""
    return 0
