"""The customer's cases on the archive timeline (registered with the archive layer, which
does not import tickets)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket


def customer_cases(customer) -> list[dict[str, Any]]:
    """One timeline entry per case of the customer (1 query)."""
    return [
        {
            "at": ticket.created_at,
            "kind": "case",
            "kind_label": _("Case"),
            "title": f"{ticket.number} {ticket.title}",
            "detail": ticket.get_type_display(),
            "status": ticket.get_status_display(),
            "url": ticket.get_absolute_url(),
            "by": ticket.first_owner.name,
        }
        for ticket in Ticket.objects.filter(customer=customer).select_related(
            "first_owner"
        )
    ]
