"""Shared pieces of the follow-up services: the pinned standard's policy, quiet hours, the
channel order, who may act, and the supervisors' alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales import permissions
from aftersales.models import Unit, User
from aftersales.services import notify
from feedback.followups import selectors
from feedback.models import FollowUp
from standards import quiet
from standards.models import StandardVersion
from standards.parameters import (
    DEFAULT_SERVICE_PARAMETERS,
    ContactChannel,
    SurveyScale,
)
from tickets import workflow
from tickets.models import Ticket

S = FollowUp.Status
DEFAULT_QUESTIONNAIRE_CODE = "after-service"
ANSWER_LINK_SALT = "feedback.followups.answer-link"
ANSWER_LINK_DAYS = 7  # when the standard has no `followup.answer_link_days`
REDRIVE_AFTER = timedelta(minutes=10)  # give the broker's message time to arrive first
AUTOMATED_CHANNELS = frozenset({ContactChannel.SMS, ContactChannel.EMAIL})


# --- Policy ---------------------------------------------------------------------------------


def followup_parameters(version: StandardVersion | None) -> dict[str, Any]:
    """The follow-up policy of a pinned standard, the company defaults filling gaps."""
    pinned = (version.parameters if version else {}) or {}
    return {**DEFAULT_SERVICE_PARAMETERS["followup"], **pinned.get("followup", {})}


def policy_for(
    version: StandardVersion | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(window, policy snapshot) of a task from the pinned standard. Attempts are spread
    over the window: one every (window length ÷ max attempts) hours, at least one hour,
    unless the standard sets `followup.retry_after_hours`."""
    followup = followup_parameters(version)
    opens = Decimal(str(followup.get("opens_after_hours", 3)))
    closes = Decimal(str(followup.get("closes_after_hours", 72)))
    max_attempts = max(int(followup.get("max_attempts", 3)), 1)
    retry = followup.get("retry_after_hours")
    if retry is None:
        retry = max((closes - opens) / max_attempts, Decimal(1))
    channels = [
        c for c in followup.get("channels") or [] if c in ContactChannel.values
    ] or [ContactChannel.PHONE]
    policy = {
        "channels": channels,
        "quiet_hours": followup.get("quiet_hours") or {},
        "retry_after_hours": float(retry),
        "scale": followup.get("scale", SurveyScale.CSAT5),
        "dissatisfied_at_or_below": followup.get("dissatisfied_at_or_below"),
        "answer_link_days": followup.get("answer_link_days", ANSWER_LINK_DAYS),
        "max_attempts": max_attempts,
    }
    return {"opens": float(opens), "closes": float(closes)}, policy


def _quiet_spans(followup: FollowUp) -> list:
    customer = followup.customer
    return quiet.quiet_spans(
        followup.policy.get("quiet_hours"),
        (customer.quiet_hours_start, customer.quiet_hours_end),
    )


def outside_quiet_hours(followup: FollowUp, moment: datetime) -> datetime:
    """`moment`, moved past the standard's and the customer's quiet hours."""
    local = timezone.localtime(moment)
    return quiet.next_outside_quiet_hours(local, _quiet_spans(followup))


def followup_in_quiet_hours(followup: FollowUp, *, now: datetime) -> bool:
    """Whether `now` is inside the standard's or the customer's quiet hours."""
    return quiet.in_quiet_hours(timezone.localtime(now), _quiet_spans(followup))


def channel_for(followup: FollowUp, attempt_number: int) -> str:
    """The channel of the n-th attempt (0-based): the standard's channel order, over and
    over."""
    channels = followup.policy.get("channels") or [ContactChannel.PHONE]
    return channels[attempt_number % len(channels)]


def quiet_message(followup: FollowUp, now: datetime) -> str:
    """Why an attempt is refused now, and from when it is allowed again."""
    resume = outside_quiet_hours(followup, now)
    return _(
        "Quiet hours: do not contact the customer now. Try again from %(time)s."
    ) % {"time": f"{resume:%Y-%m-%d %H:%M}"}


def next_attempt_fields(
    followup: FollowUp, *, attempts: int, now: datetime
) -> dict[str, Any]:
    """Where a task goes after its `attempts`-th unanswered attempt: the next channel of
    the standard's order, one retry interval later, outside quiet hours."""
    hours = float(followup.policy.get("retry_after_hours", 24))
    return {
        "next_channel": channel_for(followup, attempts),
        "next_attempt_at": outside_quiet_hours(followup, now + timedelta(hours=hours)),
    }


# --- Permissions -------------------------------------------------------------------------


def require_may_act(followup: FollowUp, actor: User) -> None:
    """Follow-up agents of the task's team (or its assignee), supervisors and managers who
    see it may act; never anyone who worked on the case (domain §7)."""
    if not permissions.can_act_on_followups(actor):
        raise PermissionDenied(_("Your role does not do follow-ups."))
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise PermissionDenied(_("This follow-up belongs to another team."))
    if followup.ticket_id and actor.pk in selectors.case_workers(
        ticket=followup.ticket
    ):
        raise PermissionDenied(
            _("You worked on this case: its follow-up must be done by someone else.")
        )


def ticket_actor(actor: User | None, ticket: Ticket, target: str) -> User | None:
    """`actor` when the transition table lets them fire the edge, else the system (the
    follow-up loop acting on the answer)."""
    if actor is None:
        return None
    rule = workflow.rule_for(ticket.status, target)
    return actor if set(actor.role_names) & rule.roles else None


def supervisors_of(*units: Unit | None) -> set[User]:
    ids = [unit.pk for unit in units if unit is not None]
    return set(permissions.supervisors_of(unit_ids=ids))


def alert_supervisors(followup: FollowUp, *, reason: str) -> None:
    """Tell the supervisors of the case's unit and of the follow-up team that an
    unreachable or declined customer's case waits for their note."""
    ticket = followup.ticket
    if ticket is None:
        return
    title = {
        "unreachable": gettext_lazy(
            "%(number)s: the customer could not be reached for the follow-up"
        ),
        "declined": gettext_lazy("%(number)s: the customer declined the follow-up"),
    }[reason]
    for person in supervisors_of(ticket.unit, followup.unit):
        notify(
            recipient=person,
            kind=f"followup_{reason}",
            key=f"followup-{reason}:{followup.pk}:{person.pk}",
            title=title,
            title_params={"number": ticket.number},
            body=gettext_lazy(
                "Close the case with your note from the follow-up worklist."
            ),
            url=reverse("followups:followup-detail", args=[followup.pk]),
        )
