"""Writes of the care programmes."""

from __future__ import annotations


def care_sweep(*, now) -> int:
    """Placeholder until the care-programme change lands."""
    return 0
