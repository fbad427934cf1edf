"""The voice loop listens to standards (style.md B.1): a decided change request answers the
feedback items it cites. Sent after the decision's commit; the daily reminder sweep
re-drives it if this receiver failed."""

from __future__ import annotations

from django.dispatch import receiver

from feedback.voice.services import feedback_items_answer_by_decision
from standards.signals import change_request_decided


@receiver(change_request_decided, dispatch_uid="feedback.voice.answer_cited_items")
def answer_cited_items(sender, *, change_request, **kwargs) -> None:
    """Answer the open feedback items the decided change request cites."""
    feedback_items_answer_by_decision(change_request=change_request)
