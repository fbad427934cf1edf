"""Entries of the customer timeline from the loop: care. Every campaign contact (message
sent, call scheduled) and every skip with its reason appears in the customer's archive."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import register_timeline_provider
from feedback.care.selectors import customer_care_touches
from feedback.models import CareTouch


@register_timeline_provider
def care_entries(customer: Customer) -> list[dict[str, Any]]:
    """One entry per care touch of the customer (one query)."""
    entries = []
    for touch in customer_care_touches(customer=customer):
        programme = touch.programme
        detail = [touch.get_channel_display()] if touch.channel else []
        if touch.product_id:
            detail.append(str(touch.product))
        status = touch.get_status_display()
        if touch.status == CareTouch.Status.SKIPPED:
            status = f"{status}: {touch.get_skip_reason_display()}"
        entries.append(
            {
                "at": touch.at,
                "kind": "care",
                "kind_label": _("Care"),
                "title": f"{programme.get_kind_display()} · {programme.name}",
                "detail": " · ".join(detail),
                "status": status,
                "url": programme.get_absolute_url(),
                "by": touch.run.actor.name if touch.run.actor else "",
            }
        )
    return entries
