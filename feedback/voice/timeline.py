"""Entries of the customer timeline from the loop: the customer's feedback items and their
answers (registered with the archive layer, which does not import the loop)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from customers.selectors import TIMELINE_PROVIDERS, register_timeline_provider
from feedback.models import FeedbackItem


def customer_feedback_items(customer) -> list[dict[str, Any]]:
    """One timeline entry per feedback item of the customer (1 query)."""
    return [
        {
            "at": item.created_at,
            "kind": "feedback",
            "kind_label": _("Feedback"),
            "title": f"{item.get_source_display()}: {item.text[:80]}",
            "detail": item.reply,
            "status": item.get_status_display(),
            "url": item.get_absolute_url(),
            "by": item.answered_by.name if item.answered_by else "",
        }
        for item in FeedbackItem.objects.filter(customer=customer).select_related(
            "answered_by"
        )
    ]


if customer_feedback_items not in TIMELINE_PROVIDERS:
    register_timeline_provider(customer_feedback_items)
