"""Canned replies: who keeps them, how their placeholders are checked and filled."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions
from aftersales.models import Unit, User
from aftersales.placeholders import fill, placeholder_error
from tickets.models import CannedReply, Ticket

# The placeholders a reply may hold (aftersales.placeholders: plain names in braces).
PLACEHOLDERS = ("customer_name", "case_number", "due_time")


def reply_may_manage(*, actor: User, unit: Unit | None) -> bool:
    """Supervisors keep their teams' replies (and those of the units below); quality
    managers and managers every team's and the shared ones."""
    if not actor.is_active:
        return False
    if permissions.sees_company_wide(actor):
        return True
    return unit is not None and permissions.oversees(user=actor, units=[unit])


def reply_check(body: str) -> None:
    """A ValidationError naming what is wrong when `body` holds a brace that is not one
    of the placeholders."""
    if error := placeholder_error(body, PLACEHOLDERS):
        raise ValidationError({"body": [error]})


@transaction.atomic
def reply_save(
    *,
    actor: User,
    reply: CannedReply | None = None,
    title: str,
    body: str,
    language: str,
    unit: Unit | None,
    active: bool = True,
) -> CannedReply:
    """Create or change a canned reply (placeholders checked)."""
    if not reply_may_manage(actor=actor, unit=unit) or (
        reply is not None and not reply_may_manage(actor=actor, unit=reply.unit)
    ):
        raise PermissionDenied(
            _("Only a supervisor of the team, a quality manager or a manager keeps its "
              "replies.")
        )  # fmt: skip
    reply_check(body)
    reply = reply or CannedReply()
    reply.title, reply.body, reply.language = title.strip(), body.strip(), language
    reply.unit, reply.active, reply.updated_by = unit, active, actor
    reply.full_clean()
    reply.save()
    return reply


def reply_render(*, reply: CannedReply, ticket: Ticket) -> str:
    """The reply's text for the case: customer name, case number and the time the case
    is due to be resolved (local time; "" when it has no resolve clock)."""
    due = ""
    if ticket.resolve_due_at is not None:
        due = f"{timezone.localtime(ticket.resolve_due_at):%Y-%m-%d %H:%M}"
    values = {
        "customer_name": ticket.customer.name,
        "case_number": ticket.number,
        "due_time": due,
    }
    return fill(reply.body, values)
