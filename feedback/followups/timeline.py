"""Entries of the customer timeline from the loop: every follow-up and every attempt of
the customer (registered with the archive layer, which does not import the loop)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.selectors import TIMELINE_PROVIDERS, register_timeline_provider
from feedback.models import FollowUp, FollowUpAttempt


def customer_followups(customer) -> list[dict[str, Any]]:
    """One entry per follow-up (at its completion or end, else its creation) and one per
    attempt (2 queries)."""
    entries = []
    for followup in FollowUp.objects.filter(customer=customer).select_related(
        "ticket", "completed_by", "assigned_to"
    ):
        status = (
            followup.get_result_display()
            if followup.status == FollowUp.Status.COMPLETED
            else followup.get_status_display()
        )
        detail = ""
        if followup.status == FollowUp.Status.COMPLETED:
            detail = f"{_('score')} {followup.score} · " + str(
                _("problem solved") if followup.resolved else _("problem not solved")
            )
            if followup.comment:
                detail += f" · {followup.comment}"
        person = followup.completed_by or followup.assigned_to
        entries.append(
            {
                "at": followup.completed_at or followup.ended_at or followup.created_at,
                "kind": "followup",
                "kind_label": _("Follow-up"),
                "title": f"{followup.get_kind_display()}"
                + (f" · {followup.ticket.number}" if followup.ticket else ""),
                "detail": detail,
                "status": status,
                "url": reverse("followups:followup-detail", args=[followup.pk]),
                "by": person.name if person else "",
            }
        )
    entries.extend(
        {
            "at": attempt.at,
            "kind": "followup_attempt",
            "kind_label": _("Follow-up attempt"),
            "title": f"{attempt.get_channel_display()} · "
            f"{attempt.get_outcome_display()}",
            "detail": attempt.note,
            "status": "",
            "url": reverse("followups:followup-detail", args=[attempt.followup_id]),
            "by": attempt.by.name if attempt.by else "",
        }
        for attempt in FollowUpAttempt.objects.filter(
            followup__customer=customer
        ).select_related("by")
    )
    return entries


if customer_followups not in TIMELINE_PROVIDERS:
    register_timeline_provider(customer_followups)
