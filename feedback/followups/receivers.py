"""The loop listens to tickets (style.md B.1): a resolved case gets its follow-up task,
created by a Celery task after the commit."""

from __future__ import annotations

from django.dispatch import receiver

from aftersales.services import enqueue_on_commit
from tickets.signals import ticket_resolved


@receiver(ticket_resolved, dispatch_uid="feedback.followups.schedule")
def schedule_follow_up(sender, *, ticket_id: int, awaiting_follow_up: bool, **kwargs):
    """Queue the follow-up scheduling of a case the standard covers."""
    if awaiting_follow_up:
        enqueue_on_commit("feedback.tasks.followup_schedule_task", ticket_id)
