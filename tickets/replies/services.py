"""Canned replies: who keeps them, how their placeholders are checked and filled."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions
from aftersales.models import Unit, User
from tickets.models import CannedReply, Ticket

# The placeholders a reply may hold: plain names in braces, nothing else (no format
# specs, attributes or indexes that could fail when a message is written).
PLACEHOLDERS = ("customer_name", "case_number", "due_time")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def braced(names) -> str:
    """Names as the placeholders they are written as: "{a}, {b}"."""
    return ", ".join("{" + name + "}" for name in names)


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
    rest = _PLACEHOLDER.sub("", body)
    if "{" in rest or "}" in rest:
        unknown = sorted(set(re.findall(r"\{([^{}]*)\}", rest)))
        names = braced(PLACEHOLDERS)
        if unknown:
            message = _("Unknown placeholder %(found)s: use %(names)s.") % {
                "found": braced(unknown),
                "names": names,
            }
        else:
            message = _("Braces are only for the placeholders %(names)s.") % {
                "names": names
            }
        raise ValidationError({"body": [message]})


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
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], reply.body)
