"""The sweeps of the cases (domain §9): the SLA ladder (warn at 80 %, breach at 100 %,
escalate to the managers at 200 %) and the handover sweep (acceptance expired, commitment
missed).

Both are set-based: a few queries select what is due (values, not model objects), and each
batch of up to `SWEEP_BATCH` cases is one transaction of a fixed number of statements
whatever its size: the events go in with one `INSERT ... ON CONFLICT (key) DO NOTHING
RETURNING` (the unique event key records a step once), the escalation levels with one
UPDATE, the people to alert are read with one query each and the notifications (and their
e-mail copies) are written with one statement each. Only the steps this run recorded alert
anyone, so two sweeps at once take each step exactly once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.models import User
from aftersales.roles import Role
from aftersales.services import NotificationDraft, job_run, notify_many
from standards import sla
from tickets import workflow
from tickets.cases.services import CLOCK_LABELS
from tickets.events import ticket_events_record_once
from tickets.models import CLOCK_DONE_FIELDS, Handover, Ticket, TicketEvent

# Cases (or handovers) per transaction: bounds the memory and the length of one transaction;
# the statements per batch are fixed, so a sweep costs a handful of queries per batch.
SWEEP_BATCH = 1000

STEPS = ("warning", "breach", "manager")
STEP_EVENT = {
    "warning": TicketEvent.Type.SLA_WARNING,
    "breach": TicketEvent.Type.SLA_BREACHED,
    "manager": TicketEvent.Type.ESCALATED,
}
STEP_LEVEL = {"warning": 0, "breach": 1, "manager": 2}
STEP_KIND = {
    "warning": "sla_warning",
    "breach": "sla_breached",
    "manager": "sla_escalated",
}
STEP_TITLE = {
    "warning": _("%(number)s: the %(clock)s time is 80%% used"),
    "breach": _("%(number)s: the %(clock)s time is breached"),
    "manager": _("%(number)s: %(clock)s at twice its time"),
}


def sla_key(ticket_id: int, clock: str, step: str, reopen_count: int) -> str:
    """The unique event key of one escalation step (a reopened case's fresh clocks
    escalate again: one key per round)."""
    return f"sla:{ticket_id}:{clock}:{step}" + (
        f":r{reopen_count}" if reopen_count else ""
    )


def _url(number: str) -> str:
    return Ticket(number=number).get_absolute_url()


@contextmanager
def _serial_plans() -> Iterator[None]:
    """PostgreSQL plans the sweep's questions without parallel workers: it cannot know
    that nearly every clock past its warning has all its steps recorded, so it expects
    thousands of rows and starts workers, which cost 10 ms to answer a few (at 1 M). Set
    for the connection during the sweep and reset after it (two statements a sweep)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        # In a transaction that failed the RESET fails too, and the rollback undoes the
        # SET (PostgreSQL's settings are transactional).
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")


def _batches(queryset: QuerySet, fields: tuple[str, ...]) -> Iterator[list[tuple]]:
    """The rows (`fields`, the primary key first) of `queryset` in batches of
    `SWEEP_BATCH`, ordered by primary key: first the ids of all rows (no ORDER BY and no
    LIMIT, which would tempt the planner to walk the primary key of the whole table),
    then each batch's rows, still matching the conditions, in one query by id."""
    ids = sorted(queryset.order_by().values_list("pk", flat=True))
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        yield sorted(queryset.filter(pk__in=batch).values_list(*fields))


@dataclass(frozen=True)
class _Alert:
    """People to alert about one recorded step: the owners, the supervisors of a unit,
    the managers."""

    key: str
    number: str
    kind: str
    title: object
    title_params: dict
    people: frozenset[int]
    supervisors_of: int | None = None
    managers: bool = False
    group: str = ""  # one notification per person for the alerts of one group


def _send(alerts: list[_Alert]) -> None:
    """Notify everyone the alerts name, in three queries (the units' supervisors, the
    managers, the people) and one write, each person once per alert."""
    if not alerts:
        return
    units = {alert.supervisors_of for alert in alerts if alert.supervisors_of}
    supervisors: dict[int, set[int]] = {}
    if units:
        pairs = (
            permissions.supervisors_of(unit_ids=units)
            .order_by()
            .values_list("pk", "memberships__unit_id")  # the supervising membership
        )
        for user_id, unit_id in pairs:
            supervisors.setdefault(unit_id, set()).add(user_id)
    managers: set[int] = set()
    if any(alert.managers for alert in alerts):
        managers = set(
            User.objects.filter(groups__name=Role.MANAGER, is_active=True).values_list(
                "pk", flat=True
            )
        )
    recipients = {
        alert.key: set(alert.people)
        | supervisors.get(alert.supervisors_of, set())
        | (managers if alert.managers else set())
        for alert in alerts
    }
    users = User.objects.in_bulk(set().union(*recipients.values()))
    urls = {number: _url(number) for number in {alert.number for alert in alerts}}
    notify_many(
        NotificationDraft(
            recipient=users[person],
            kind=alert.kind,
            key=f"{alert.key}:{person}",
            title=alert.title,
            title_params=alert.title_params,
            url=urls[alert.number],
            email=alert.kind != "sla_warning",
            group=f"{alert.group}:{person}" if alert.group else "",
        )
        for alert in alerts
        for person in sorted(recipients[alert.key])
    )


# --- SLA ---------------------------------------------------------------------------------------


def _sla_due(clock: str, *, now: datetime) -> QuerySet:
    """The open, running cases whose `clock` has reached a step at `now` that is not
    recorded. The highest step reached is worked out in SQL (the managers' step at twice
    the time: `now - due >= due - created`, the rule of sla.escalation_steps; the breach at
    the due time; else the warning, past the stored 80 % point) and only its key is looked
    up: a step is recorded together with every step below it (in one statement, and the
    sweep before this one wrote them in ascending order), so its key stands for all of them.
    A case whose steps are all recorded is read by no one, so a minute with nothing new
    costs one query per clock, and one index probe per case at risk; once the last step
    is recorded, the clock leaves the warn index (`<clock>_steps_done`, `_steps_done`)
    and is probed no more this round."""
    due, warn, done = f"{clock}_due_at", f"{clock}_warn_at", CLOCK_DONE_FIELDS[clock]
    last_step_taken = TicketEvent.objects.filter(
        key=Concat(
            Value("sla:"),
            Cast(OuterRef("pk"), CharField()),
            Value(f":{clock}:"),
            OuterRef("last_step"),
            OuterRef("round_suffix"),
            output_field=CharField(),
        )
    )
    return (
        Ticket.objects.filter(status__in=workflow.OPEN_STATES, has_sla=True)
        .exclude(status__in=workflow.PAUSED_STATES)
        .filter(**{f"{done}__isnull": True, f"{warn}__lte": now})
        .filter(**{f"{clock}_steps_done": False})
        .alias(
            round_suffix=Case(
                When(
                    reopen_count__gt=0,
                    then=Concat(Value(":r"), Cast("reopen_count", CharField())),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            span=ExpressionWrapper(
                F(due) - F("created_at"), output_field=DurationField()
            ),
            over=ExpressionWrapper(
                Value(now, output_field=DateTimeField()) - F(due),
                output_field=DurationField(),
            ),
        )
        .alias(
            last_step=Case(
                When(
                    Q(**{f"{due}__lte": now, f"{due}__gt": F("created_at")})
                    & Q(span__lte=F("over")),
                    then=Value("manager"),
                ),
                When(**{f"{due}__lte": now}, then=Value("breach")),
                default=Value("warning"),
                output_field=CharField(),
            )
        )
        .exclude(Exists(last_step_taken))
    )


def _sla_fields(clock: str) -> tuple[str, ...]:
    """The columns the sweep reads of a due case (no model objects)."""
    return (
        "pk",
        "number",
        "created_at",
        "reopen_count",
        "first_owner_id",
        "handler_id",
        "unit_id",
        f"{clock}_due_at",
    )


def sla_sweep(*, now: datetime) -> int:
    """Every minute: for each clock, warn at 80 % of the time (handler and first owner),
    breach at 100 % (the unit's supervisors, level 1) and escalate at 200 % (the managers,
    level 2). Each step happens once per case, clock and round (unique event keys), even
    with two sweeps at once. Returns the number of steps this run recorded."""
    with job_run("sla_sweep") as run, _serial_plans():
        for clock in sla.CLOCKS:
            for rows in _batches(_sla_due(clock, now=now), _sla_fields(clock)):
                run.items += _sla_steps(clock, rows, now=now)
    return run.items


@transaction.atomic
def _sla_steps(clock: str, rows: list[tuple], *, now: datetime) -> int:
    """Record the reached steps of one batch of cases and alert on those this call
    recorded. Returns their number."""
    plan = {}
    for pk, number, created_at, reopen_count, owner, handler, unit, due in rows:
        for step in sla.escalation_steps(started_at=created_at, due=due, now=now):
            plan[sla_key(pk, clock, step, reopen_count)] = (
                step, pk, number, owner, handler, unit,
            )  # fmt: skip
    recorded = ticket_events_record_once(
        ((pk, STEP_EVENT[step], key, {"clock": clock, "step": step})
         for key, (step, pk, *_rest) in plan.items()),
        at=now,
    )  # fmt: skip
    levels: dict[int, int] = {}
    alerts = []
    for key, (step, pk, number, owner, handler, unit) in plan.items():
        if key not in recorded:
            continue
        levels[pk] = max(levels.get(pk, 0), STEP_LEVEL[step])
        alerts.append(
            _Alert(
                key=key,
                number=number,
                kind=STEP_KIND[step],
                title=STEP_TITLE[step],
                title_params={"number": number, "clock": CLOCK_LABELS[clock]},
                people=frozenset({owner} | ({handler} if handler else set())),
                supervisors_of=unit if step == "breach" else None,
                managers=step == "manager",
                # a case's SLA alerts: one notification per person, updated per step
                group=f"sla:{pk}",
            )
        )
    _raise_levels(levels)
    _steps_done(clock, plan.values(), rows)
    _send(alerts)
    return len(recorded)


def _steps_done(clock: str, planned, rows: list[tuple]) -> None:
    """Mark the clock of the cases whose last step (the managers') is recorded, by this
    sweep or an earlier one: the sweep need not look at them again this round. Only a
    case still in the round read is marked (a reopening in between starts a new one)."""
    last_step = sla.ESCALATION_STEPS[-1]
    last = {pk for step, pk, *_rest in planned if step == last_step}
    rounds: dict[int, list[int]] = {}
    for pk, _number, _created, reopen_count, *_rest in rows:
        if pk in last:
            rounds.setdefault(reopen_count, []).append(pk)
    for reopen_count, pks in rounds.items():
        Ticket.objects.filter(pk__in=pks, reopen_count=reopen_count).update(
            **{f"{clock}_steps_done": True}
        )


def _raise_levels(levels: dict[int, int]) -> None:
    """Raise each case's escalation level to the one given, never lowering it: one UPDATE
    per level (two at most)."""
    by_level: dict[int, list[int]] = {}
    for pk, level in levels.items():
        if level:
            by_level.setdefault(level, []).append(pk)
    for level, pks in sorted(by_level.items(), reverse=True):
        Ticket.objects.filter(pk__in=pks, escalation_level__lt=level).update(
            escalation_level=level
        )


# --- Handovers ---------------------------------------------------------------------------------

HANDOVER_FIELDS = (
    "pk",
    "ticket_id",
    "ticket__number",
    "ticket__first_owner_id",
    "to_unit_id",
    "to_unit__name",
)


def handover_sweep(*, now: datetime) -> int:
    """Handovers not accepted in time expire and escalate to the receiving supervisor
    (domain §6 rule 5); accepted commitments that passed alert the first owner and the
    receiving supervisors (A01). Set-based on stored due times; once per handover."""
    with job_run("handover_sweep") as run:
        overdue = Handover.objects.filter(
            status=Handover.Status.REQUESTED, accept_due_at__lt=now
        )
        ids = sorted(overdue.order_by().values_list("pk", flat=True))
        for start in range(0, len(ids), SWEEP_BATCH):
            run.items += _handovers_expire(
                overdue.filter(pk__in=ids[start : start + SWEEP_BATCH]), now=now
            )
        # A01: an accepted commitment ("diagnose in 48 h") that passed without the case
        # being resolved alerts the first owner and the receiving unit's supervisors, and
        # counts against that unit (the event names it), once per handover.
        missed = Handover.objects.filter(
            status=Handover.Status.ACCEPTED,
            commitment_due_at__lt=now,
            ticket__resolved_at__isnull=True,
            ticket__status__in=workflow.OPEN_STATES,
        ).exclude(
            Exists(
                TicketEvent.objects.filter(
                    key=Concat(
                        Value("commitment-missed:"),
                        Cast(OuterRef("pk"), CharField()),
                        output_field=CharField(),
                    )
                )
            )
        )
        for rows in _batches(missed, (*HANDOVER_FIELDS, "commitment")):
            run.items += _commitments_missed(rows, now=now)
    return run.items


@transaction.atomic
def _handovers_expire(overdue: QuerySet, *, now: datetime) -> int:
    """Expire one batch of handovers past their acceptance time: locked (a concurrent
    sweep skips them, a concurrent accept waits and then finds them decided), marked
    expired in one UPDATE, one event each, the receivers alerted. Returns how many this
    call expired."""
    rows = sorted(
        overdue.select_for_update(skip_locked=True, of=("self",)).values_list(
            *HANDOVER_FIELDS
        )
    )
    if not rows:
        return 0
    Handover.objects.filter(
        pk__in=[row[0] for row in rows], status=Handover.Status.REQUESTED
    ).update(status=Handover.Status.EXPIRED, decided_at=now)
    recorded = ticket_events_record_once(
        ((ticket, TicketEvent.Type.ESCALATED, f"handover-expired:{pk}",
          {"handover": pk, "step": "handover_expired"})
         for pk, ticket, *_rest in rows),
        at=now,
    )  # fmt: skip
    _send(
        [
            _Alert(
                key=f"handover-expired:{pk}",
                number=number,
                kind="handover_expired",
                title=_("%(number)s: a handover to %(unit)s was not accepted in time"),
                title_params={"number": number, "unit": unit_name},
                people=frozenset({owner}),
                supervisors_of=unit,
            )
            for pk, _ticket, number, owner, unit, unit_name in rows
            if f"handover-expired:{pk}" in recorded
        ]
    )
    return len(recorded)


@transaction.atomic
def _commitments_missed(rows: Iterable[tuple], *, now: datetime) -> int:
    """Record one batch of missed commitments (once per handover) and alert the first
    owner and the receiving supervisors of those this call recorded."""
    rows = list(rows)
    recorded = ticket_events_record_once(
        ((ticket, TicketEvent.Type.ESCALATED, f"commitment-missed:{pk}",
          {"handover": pk, "step": "commitment_missed", "unit": unit,
           "commitment": commitment})
         for pk, ticket, _number, _owner, unit, _name, commitment in rows),
        at=now,
    )  # fmt: skip
    _send(
        [
            _Alert(
                key=f"commitment-missed:{pk}",
                number=number,
                kind="commitment_missed",
                title=_(
                    "%(number)s: the commitment “%(commitment)s” of %(unit)s was missed"
                ),
                title_params={
                    "number": number,
                    "commitment": commitment or "—",
                    "unit": unit_name,
                },
                people=frozenset({owner}),
                supervisors_of=unit,
            )
            for pk, _ticket, number, owner, unit, unit_name, commitment in rows
            if f"commitment-missed:{pk}" in recorded
        ]
    )
    return len(recorded)
