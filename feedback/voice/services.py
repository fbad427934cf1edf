"""Writes of the voice-of-the-customer loop."""

from __future__ import annotations


def qa_sampling(*, now) -> int:
    """Placeholder until the QA change lands."""
    return 0


def quality_notice_generate(*, now) -> int:
    """Placeholder until the quality-notice change lands."""
    return 0


def voice_reminders(*, now) -> int:
    """Placeholder: feedback items past reply due, quality notices not acknowledged."""
    return 0
