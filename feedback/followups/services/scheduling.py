"""Scheduling follow-ups: one task per resolved case and round, care calls; assignment
round-robin in the nearest follow-up team, never to anyone who worked on the case."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import Unit, User
from aftersales.roles import Role
from customers.models import Customer
from feedback.followups import selectors
from feedback.followups.services.common import (
    S,
    alert_supervisors,
    channel_for,
    outside_quiet_hours,
    policy_for,
)
from feedback.followups.services.questionnaire_versions import questionnaire_for
from feedback.models import FollowUp, Questionnaire
from tickets.models import Ticket
from tickets.workflow import TicketStatus

# --- Assignment --------------------------------------------------------------------------


def _shared_depth(a: str, b: str) -> int:
    """How many units two materialised paths share from the root."""
    depth = 0
    for left, right in zip(
        a.strip("/").split("/"), b.strip("/").split("/"), strict=False
    ):
        if left != right:
            break
        depth += 1
    return depth


def _assign(*, near: Unit | None, exclude: set[int]) -> tuple[Unit | None, User | None]:
    """The follow-up team nearest to `near` (sharing the most of its path; any team when
    none is near) and, round-robin within it, the active follow-up agent who was given a
    task longest ago, never one of `exclude` (the case's workers). A team with nobody
    eligible passes the task to the next nearest team; with none at all the task stays
    with the nearest team, unassigned."""
    teams = list(Unit.objects.active().filter(kind=Unit.Kind.FOLLOWUP_TEAM))
    path = near.path if near is not None else "/"
    teams.sort(key=lambda team: (-_shared_depth(team.path, path), team.path))
    for team in teams:
        candidates = list(
            User.objects.filter(
                is_active=True,
                memberships__unit=team,
                groups__name=Role.FOLLOWUP_AGENT,
            )
            .exclude(pk__in=exclude)
            .distinct()
            .order_by("pk")
        )
        if not candidates:
            continue
        last = dict(
            FollowUp.objects.filter(assigned_to__in=candidates)
            .values("assigned_to")
            .annotate(last=Max("pk"))
            .values_list("assigned_to", "last")
        )
        return team, min(candidates, key=lambda u: (last.get(u.pk, 0), u.pk))
    return (teams[0] if teams else None), None


# --- Scheduling --------------------------------------------------------------------------


def _create_task(
    *,
    customer: Customer,
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    policy: dict[str, Any],
    questionnaire: Questionnaire,
    near: Unit | None,
    exclude: set[int],
    now: datetime,
    safety: bool = False,
    **fields: Any,
) -> FollowUp:
    """Build (not save) a task: team and agent, first attempt time and channel, status
    (due at once when the window is already open; declined when the customer does not
    consent to service contact, unless it is a safety call such as a recall)."""
    unit, agent = _assign(near=near, exclude=exclude)
    followup = FollowUp(
        customer=customer,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        due_at=closes_at,
        policy=policy,
        max_attempts=policy["max_attempts"],
        questionnaire=questionnaire,
        unit=unit,
        assigned_to=agent,
        status=S.DUE if opens_at <= now else S.SCHEDULED,
        **fields,
    )
    followup.next_channel = channel_for(followup, 0)
    followup.next_attempt_at = outside_quiet_hours(followup, max(opens_at, now))
    if customer.is_anonymised or (not customer.consent_service and not safety):
        followup.status = S.DECLINED
        followup.ended_at = now
        followup.next_attempt_at = None
        followup.note = _("The customer does not consent to service contact.")
    return followup


@transaction.atomic
def followup_schedule_for_ticket(*, ticket_id: int, now: datetime | None = None) -> int:
    """Create the follow-up of a resolved case waiting for it (domain §7), once per case
    and round (unique constraint; a redelivered message or the sweep's re-drive is a
    no-op). The window runs from the pinned standard's `opens_after_hours` to
    `closes_after_hours` after resolution. Round 1 is the after-service follow-up; a
    case resolved again after a rework gets a `second` follow-up linked to the round
    before (older open tasks of the case are cancelled). Returns 1 when a task was made."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_related("standard_version", "customer", "unit")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.status != TicketStatus.AWAITING_FOLLOW_UP:
        return 0
    round_ = ticket.reopen_count + 1
    if FollowUp.objects.filter(ticket=ticket, round=round_).exists():
        return 0
    previous = (
        FollowUp.objects.filter(ticket=ticket, round__lt=round_)
        .order_by("-round", "-pk")
        .first()
    )
    FollowUp.objects.filter(ticket=ticket, status__in=FollowUp.OPEN_STATUSES).update(
        status=S.CANCELLED, ended_at=now
    )
    window, policy = policy_for(ticket.standard_version)
    resolved_at = ticket.resolved_at or now
    followup = _create_task(
        customer=ticket.customer,
        kind=FollowUp.Kind.SECOND if previous else FollowUp.Kind.AFTER_SERVICE,
        opens_at=resolved_at + timedelta(hours=window["opens"]),
        closes_at=resolved_at + timedelta(hours=window["closes"]),
        policy=policy,
        questionnaire=questionnaire_for(ticket.standard_version),
        near=ticket.unit,
        exclude=selectors.case_workers(ticket=ticket),
        now=now,
        ticket=ticket,
        round=round_,
        previous=previous,
    )
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        return 0
    if followup.status == S.DECLINED:
        alert_supervisors(followup, reason="declined")
    return 1


@transaction.atomic
def followup_create_care(
    *,
    customer: Customer,
    opens_at: datetime,
    closes_at: datetime,
    source_key: str,
    note: str = "",
    now: datetime | None = None,
    safety: bool = False,
) -> FollowUp | None:
    """A care call (no case) for a care programme, once per `source_key`; assigned
    round-robin in the follow-up team nearest to the customer's unit. Returns None when
    the key was used already. A safety call (recall) reaches customers who opted out of
    service contact."""
    now = now or timezone.now()
    if FollowUp.objects.filter(source_key=source_key).exists():
        return None
    _window, policy = policy_for(None)
    followup = _create_task(
        customer=customer,
        kind=FollowUp.Kind.CARE,
        opens_at=opens_at,
        closes_at=closes_at,
        policy=policy,
        questionnaire=questionnaire_for(None),
        near=customer.unit,
        exclude=set(),
        now=now,
        source_key=source_key,
        safety=safety,
    )
    if note:
        followup.note = note
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        return None
    return followup
