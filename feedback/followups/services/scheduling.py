"""Scheduling follow-ups: one task per resolved case and round, care calls; assignment
round-robin in the nearest follow-up team, never to anyone who worked on the case."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import Membership, Unit, User
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

# How many of the newest tasks are read to find when each follow-up agent was last given
# one (a range of the primary key, so the read is bounded whatever the table's size).
RECENT_TASKS = 1000


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


class _Roster:
    """The follow-up teams, their active follow-up agents and the round-robin order, as
    one scheduling call (or one batch of them) sees them: each read once, and the order
    kept up to date in memory as tasks are given out, so a batch assigns exactly as the
    same calls one after the other would."""

    def __init__(self) -> None:
        self._members: dict[int, tuple[Unit, list[User]]] | None = None
        self._teams: list[Unit] | None = None
        # user id -> (0, pk of the newest task) read from the database, or (1, n) for
        # the n-th task given out by this roster (newer than anything in the table).
        self._last: dict[int, tuple[int, int]] = {}
        self._given = 0

    def members(self) -> dict[int, tuple[Unit, list[User]]]:
        """Active follow-up agents of each active follow-up team (by pk), in one read;
        teams without any are absent."""
        if self._members is None:
            self._members = {}
            rows = (
                Membership.objects.filter(
                    unit__in=Unit.objects.active().filter(kind=Unit.Kind.FOLLOWUP_TEAM),
                    user__is_active=True,
                    user__groups__name=Role.FOLLOWUP_AGENT,
                )
                .select_related("unit", "user")
                .order_by("user_id")
            )
            for row in rows:
                self._members.setdefault(row.unit_id, (row.unit, []))[1].append(
                    row.user
                )
        return self._members

    def teams(self) -> list[Unit]:
        """Every active follow-up team (read only when no team has anyone eligible)."""
        if self._teams is None:
            self._teams = list(
                Unit.objects.active().filter(kind=Unit.Kind.FOLLOWUP_TEAM)
            )
        return self._teams

    def last_of(self, users: list[User]) -> dict[int, tuple[int, int]]:
        """When each of `users` was last given a task (absent: never). The newest
        RECENT_TASKS tasks answer for everyone given one lately; only the others are
        looked up in all their tasks, which is rare: round-robin gives the next task to
        exactly such a person, who is then among the newest."""
        unknown = [user.pk for user in users if user.pk not in self._last]
        if unknown:
            # the pk of the RECENT_TASKS-th newest task (0 when there are fewer): a
            # backward walk of the primary key, then a range of it
            since = Coalesce(
                Subquery(
                    FollowUp.objects.order_by("-pk").values("pk")[
                        RECENT_TASKS - 1 : RECENT_TASKS
                    ]
                ),
                0,
            )
            found = dict(
                FollowUp.objects.filter(assigned_to__in=unknown, pk__gte=since)
                .values("assigned_to")
                .annotate(last=Max("pk"))
                .values_list("assigned_to", "last")
            )
            unseen = [pk for pk in unknown if pk not in found]
            if unseen:
                found.update(
                    FollowUp.objects.filter(assigned_to__in=unseen)
                    .values("assigned_to")
                    .annotate(last=Max("pk"))
                    .values_list("assigned_to", "last")
                )
            for pk in unknown:
                self._last[pk] = (0, found.get(pk, 0))
        return {user.pk: self._last[user.pk] for user in users}

    def given(self, user: User) -> None:
        """`user` was given a task now: last in the round from here on."""
        self._given += 1
        self._last[user.pk] = (1, self._given)


def _assign(
    *, near: Unit | None, exclude: set[int], roster: _Roster | None = None
) -> tuple[Unit | None, User | None]:
    """The follow-up team nearest to `near` (sharing the most of its path; any team when
    none is near) and, round-robin within it, the active follow-up agent who was given a
    task longest ago, never one of `exclude` (the case's workers). A team with nobody
    eligible passes the task to the next nearest team; with none at all the task stays
    with the nearest team, unassigned."""
    roster = roster or _Roster()
    path = near.path if near is not None else "/"

    def nearest(team: Unit) -> tuple[int, str]:
        return (-_shared_depth(team.path, path), team.path)

    for team, members in sorted(
        roster.members().values(), key=lambda entry: nearest(entry[0])
    ):
        candidates = [user for user in members if user.pk not in exclude]
        if not candidates:
            continue
        last = roster.last_of(candidates)
        agent = min(candidates, key=lambda u: (last[u.pk], u.pk))
        roster.given(agent)
        return team, agent
    teams = sorted(roster.teams(), key=nearest)
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
    roster: _Roster | None = None,
    **fields: Any,
) -> FollowUp:
    """Build (not save) a task: team and agent, first attempt time and channel, status
    (due at once when the window is already open; declined when the customer does not
    consent to service contact, unless it is a safety call such as a recall)."""
    unit, agent = _assign(near=near, exclude=exclude, roster=roster)
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


def _tasks_of(ticket_ids: list[int]) -> dict[int, list[tuple[int, int, str]]]:
    """(pk, round, status) of every follow-up of these cases, newest round first: one
    read tells whether a round has its task, which task came before it and which are
    still open."""
    tasks: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    rows = (
        FollowUp.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "-round", "-pk")
        .values_list("ticket_id", "pk", "round", "status")
    )
    for ticket_id, pk, round_, status in rows:
        tasks[ticket_id].append((pk, round_, status))
    return tasks


def _build_for_ticket(
    *,
    ticket: Ticket,
    tasks: list[tuple[int, int, str]],
    roster: _Roster,
    asked: dict[int | None, Questionnaire],
    now: datetime,
) -> FollowUp | None:
    """The task (not saved) of a resolved case's current round, None when the round has
    one already."""
    round_ = ticket.reopen_count + 1
    if any(task_round == round_ for _pk, task_round, _status in tasks):
        return None
    previous_id = next((pk for pk, r, _status in tasks if r < round_), None)
    version = ticket.standard_version
    document_id = version.document_id if version is not None else None
    if document_id not in asked:
        asked[document_id] = questionnaire_for(version)
    window, policy = policy_for(version)
    resolved_at = ticket.resolved_at or now
    return _create_task(
        customer=ticket.customer,
        kind=FollowUp.Kind.SECOND
        if previous_id is not None
        else FollowUp.Kind.AFTER_SERVICE,
        opens_at=resolved_at + timedelta(hours=window["opens"]),
        closes_at=resolved_at + timedelta(hours=window["closes"]),
        policy=policy,
        questionnaire=asked[document_id],
        near=ticket.unit,
        exclude=selectors.case_workers(ticket=ticket),
        now=now,
        roster=roster,
        ticket=ticket,
        round=round_,
        previous_id=previous_id,
    )


def _cancel_open(tickets: list[int], now: datetime) -> None:
    """Older open tasks of cases getting a new round's task are cancelled."""
    if tickets:
        FollowUp.objects.filter(
            ticket_id__in=tickets, status__in=FollowUp.OPEN_STATUSES
        ).update(status=S.CANCELLED, ended_at=now)


def _has_open(tasks: list[tuple[int, int, str]]) -> bool:
    return any(status in FollowUp.OPEN_STATUSES for _pk, _round, status in tasks)


@transaction.atomic
def followup_schedule_for_ticket(*, ticket_id: int, now: datetime | None = None) -> int:
    """Create the follow-up of a resolved case waiting for it (domain §7), once per case
    and round (unique constraint; a redelivered message or the sweep's re-drive is a
    no-op). The window runs from the pinned standard's `opens_after_hours` to
    `closes_after_hours` after resolution. Round 1 is the after-service follow-up; a
    case resolved again after a rework gets a `second` follow-up linked to the round
    before (older open tasks of the case are cancelled). Returns 1 when a task was made.

    A bounded number of reads whatever the number of cases and tasks: the case, its
    tasks, the questionnaire, the case's workers, the follow-up teams' agents and when
    they were last given a task (among the newest tasks)."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_related("standard_version", "customer", "unit")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.status != TicketStatus.AWAITING_FOLLOW_UP:
        return 0
    tasks = _tasks_of([ticket.pk])[ticket.pk]
    followup = _build_for_ticket(
        ticket=ticket, tasks=tasks, roster=_Roster(), asked={}, now=now
    )
    if followup is None:
        return 0
    if _has_open(tasks):
        _cancel_open([ticket.pk], now)
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        return 0
    if followup.status == S.DECLINED:
        alert_supervisors(followup, reason="declined")
    return 1


@transaction.atomic
def followup_schedule_for_tickets(*, ticket_ids: list[int], now: datetime) -> int:
    """`followup_schedule_for_ticket` for many cases (the sweep's re-drive), with the
    same outcome as calling it for each in turn, set-based: the cases and their tasks
    are read in one query each, the teams, their agents and the questionnaire once, the
    round-robin order is kept in memory, older open tasks are cancelled in one UPDATE and
    the new tasks inserted in one. A task made meanwhile by a concurrent scheduler (the
    unique constraint) is skipped. Returns how many tasks were made."""
    order = list(dict.fromkeys(ticket_ids))
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.objects.select_related(
            "standard_version", "customer", "unit"
        ).filter(pk__in=order, status=TicketStatus.AWAITING_FOLLOW_UP)
    }
    tasks = _tasks_of(list(tickets))
    roster, asked = _Roster(), {}
    built = []
    for pk in order:
        if pk not in tickets:
            continue
        followup = _build_for_ticket(
            ticket=tickets[pk], tasks=tasks[pk], roster=roster, asked=asked, now=now
        )
        if followup is not None:
            built.append(followup)
    _cancel_open([f.ticket_id for f in built if _has_open(tasks[f.ticket_id])], now)
    try:
        with transaction.atomic():
            FollowUp.objects.bulk_create(built)
        made = built
    except IntegrityError:
        made = []
        for followup in built:
            followup.pk = None
            try:
                with transaction.atomic():
                    followup.save()
            except IntegrityError:
                continue
            made.append(followup)
    for followup in made:
        if followup.status == S.DECLINED:
            alert_supervisors(followup, reason="declined")
    return len(made)


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
