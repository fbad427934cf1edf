"""The counts behind every KPI, in SQL: one aggregate query per source (cases opened, cases
resolved, backlog, follow-ups, contacts, handovers, claims, feedback, improvement actions,
standard reviews, visits, products in service), a bounded ordered read per percentile, and
two grouped reads (fault codes per model, recourse per party). Nothing loads rows into
Python; the number of queries does not depend on the data.

Each measure returns named counters (numerators and denominators); `dashboards.kpis` turns
them into KPIs. Who a row is attributed to (README "KPI definitions"): a case's KPIs go to
its unit, first owner, product model, channel and type; follow-up work (rate, timeliness,
unreachable or missed) to the follow-up's own unit and assignee, its outcome (satisfaction,
CSAT, NPS) to the case's; contacts to the person who received them and that person's units;
handovers to the receiving unit and the person who decided them; visits to the technician.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Ceil, Coalesce, RowNumber, TruncDate
from django.utils import timezone

from aftersales.models import Membership
from customers.models import Contact, OwnedProduct, ProductModel
from dashboards.models import (
    SETTLED_COUNTERS,
    KpiFact,
    KpiFaultFact,
    KpiRollupDay,
    KpiUnitFact,
)
from feedback.models import FeedbackItem, FollowUp, ImprovementAction
from standards.models import StandardVersion
from standards.parameters import CaseType, SurveyScale
from standards.workflow import VersionStatus
from tickets.models import (
    CLOCK_DONE_FIELDS,
    Compensation,
    FieldVisit,
    Handover,
    RecourseClaim,
    Repair,
    Ticket,
    TicketEvent,
)
from tickets.workflow import OPEN_STATES, TicketStatus

CLOCKS = tuple(CLOCK_DONE_FIELDS)


class PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile, `percentile_disc(fraction) WITHIN GROUP
    (ORDER BY field)`: the first value whose rank reaches ⌈fraction × count⌉ (nulls left
    out), as `percentile` reads it, inside the measure's own aggregate query (the median
    and the 90th percentile share one sort)."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _in_query_percentiles(name: str, field: str) -> dict[str, Any]:
    """The median and 90th percentile of `field` as aggregates of the measure's query
    (PostgreSQL); elsewhere nothing: `response_percentiles` reads them apart."""
    if connection.vendor != "postgresql":
        return {}
    output = Ticket._meta.get_field(field)
    return {
        f"{name}_median": PercentileDisc(field, 0.5, output_field=output),
        f"{name}_p90": PercentileDisc(field, 0.9, output_field=output),
    }


# Backlog ageing buckets: (key, from days, to days), the last one open-ended.
AGEING = (
    ("0_1d", 0, 1),
    ("1_3d", 1, 3),
    ("3_7d", 3, 7),
    ("7_30d", 7, 30),
    ("30d", 30, None),
)
ENDED_CASE_STATES = (TicketStatus.CANCELLED, TicketStatus.DUPLICATE)


@dataclass(frozen=True)
class Scope:
    """What a report measures: the period [start, end) as of `now`, narrowed to units (a
    subtree, as ids; None: all), a person, a product model, a channel and a case type.
    `unit_id`: the unit chosen (the root of `unit_ids`), for the drill-down links."""

    start: datetime
    end: datetime
    now: datetime
    unit_ids: tuple[int, ...] | None = None
    user_id: int | None = None
    product_model_id: int | None = None
    channel: str | None = None
    case_type: str | None = None
    unit_id: int | None = None
    # The period's days whose settled counters are read from the roll-up (with_rollup);
    # empty: everything is counted live.
    rolled: frozenset[date] = frozenset()

    @property
    def until(self) -> datetime:
        """The end of what has happened yet: the period's end, or now within the period."""
        return min(self.end, max(self.now, self.start))

    @property
    def first_day(self):
        return timezone.localtime(self.start).date()

    @property
    def last_day(self):
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()

    def case_filter(self, prefix: str = "", *, person: str | None = "first_owner") -> Q:
        """The scope's condition on cases (`prefix` reaches the case from another model;
        `person` names the case's field for the person filter, None: not filtered)."""
        condition = Q()
        if self.unit_ids is not None:
            condition &= Q(**{f"{prefix}unit_id__in": self.unit_ids})
        if self.user_id is not None and person is not None:
            condition &= Q(**{f"{prefix}{person}_id": self.user_id})
        return condition & self.product_filter(prefix)

    def product_filter(self, prefix: str = "") -> Q:
        """The scope's model, channel and case-type conditions on cases."""
        condition = Q()
        if self.product_model_id is not None:
            condition &= Q(**{f"{prefix}product__model_id": self.product_model_id})
        if self.channel:
            condition &= Q(**{f"{prefix}source": self.channel})
        if self.case_type:
            condition &= Q(**{f"{prefix}type": self.case_type})
        return condition

    @property
    def narrowed_to_cases(self) -> bool:
        """Whether a filter only cases have (model, channel, type) is set."""
        return bool(self.product_model_id or self.channel or self.case_type)


class Grouped(dict):
    """Counters per person (a measure asked with `group="person"`): {person id: counters};
    `empty` holds the counters of a person without rows."""

    def __init__(self, rows: dict[Any, dict[str, Any]], empty: dict[str, Any]):
        super().__init__(rows)
        self.empty = empty

    def of(self, key: Any) -> dict[str, Any]:
        return self.get(key) or dict(self.empty)


def _totals(
    queryset: QuerySet, *, group: str | None = None, key: str = "", **aggregates: Any
) -> dict[str, Any]:
    """One aggregate query; counts of no rows are 0, sums of no rows None. With
    `group="person"`: the same aggregates per value of the measure's person field `key`
    (one GROUP BY query), as `Grouped`."""
    queryset = queryset.order_by()
    if group is None:
        return queryset.aggregate(**aggregates)
    rows = queryset.values(group_key=F(key)).annotate(**aggregates).order_by()
    # A person without rows counts 0 and has no percentile.
    empty = {
        name: None if isinstance(aggregate, PercentileDisc) else 0
        for name, aggregate in aggregates.items()
    }
    return Grouped(
        {row.pop("group_key"): row for row in rows if row["group_key"] is not None},
        empty,
    )


def _each(result: dict[str, Any], change) -> dict[str, Any]:
    """Apply `change` to the counters (of every person and the empty ones, when
    grouped)."""
    if isinstance(result, Grouped):
        for counters in [*result.values(), result.empty]:
            change(counters)
    else:
        change(result)
    return result


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Partial results as one: by person when any is grouped (a plain result, such as
    the products in service, applies to every person)."""
    grouped = [r for r in results if isinstance(r, Grouped)]
    if not grouped:
        merged: dict[str, Any] = {}
        for result in results:
            merged.update(result)
        return merged
    keys = {key for result in grouped for key in result}
    rows: dict[Any, dict[str, Any]] = {key: {} for key in keys}
    empty: dict[str, Any] = {}
    for result in results:
        for key in keys:
            rows[key].update(result.of(key) if isinstance(result, Grouped) else result)
        empty.update(result.empty if isinstance(result, Grouped) else result)
    return Grouped(rows, empty)


def _hours(duration: timedelta | None) -> float:
    return duration.total_seconds() / 3600 if duration else 0.0


# --- The roll-up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SettledSource:
    """Rows whose counters are settled once their day is over: the rows (`rows()`), the
    moment that dates them, the path to their case (its unit, first owner, model, channel
    and type are the fact's keys) and the counters (`aggregates()`, named as
    SETTLED_COUNTERS)."""

    rows: Any
    moment: str
    case: str
    aggregates: Any


def _case_rows() -> QuerySet:
    return Ticket.objects.all()


def settled_sources() -> dict[str, SettledSource]:
    return {
        "cases_opened": SettledSource(_case_rows, "created_at", "", _opened_settled),
        "followup_outcomes": SettledSource(
            _outcome_rows, "completed_at", "ticket__", _outcomes_settled
        ),
        "legal_exceptions": SettledSource(
            _legal_rows, "at", "ticket__", _legal_settled
        ),
    }


def midnight(day: date) -> datetime:
    """The local midnight that starts `day`."""
    return timezone.make_aware(datetime.combine(day, time.min))


def with_rollup(scope: Scope) -> Scope:
    """`scope` with the days of its period that the roll-up holds (one read), so that
    their settled counters come from the facts; a period that does not start and end at
    midnight, and today, are counted live."""
    first, last = scope.first_day, scope.last_day
    if scope.start != midnight(first) or scope.end != midnight(
        last + timedelta(days=1)
    ):
        return scope
    last = min(last, timezone.localdate(scope.now) - timedelta(days=1))
    if last < first:
        return scope
    days = KpiRollupDay.objects.filter(day__gte=first, day__lte=last).values_list(
        "day", flat=True
    )
    return replace(scope, rolled=frozenset(days))


def live_ranges(scope: Scope) -> list[tuple[datetime, datetime]]:
    """The stretches of the period counted live: the runs of days the roll-up does not
    hold (the whole period when it holds none)."""
    if not scope.rolled:
        return [(scope.start, scope.end)]
    ranges: list[tuple[datetime, datetime]] = []
    day, first_missing = scope.first_day, None
    while day <= scope.last_day + timedelta(days=1):
        missing = day <= scope.last_day and day not in scope.rolled
        if missing and first_missing is None:
            first_missing = day
        elif not missing and first_missing is not None:
            ranges.append((midnight(first_missing), midnight(day)))
            first_missing = None
        day += timedelta(days=1)
    return ranges


def within(field: str, ranges: list[tuple[datetime, datetime]]) -> Q:
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def facts(scope: Scope, *, by_person: bool = False) -> QuerySet:
    """The roll-up's facts of the scope's rolled days, units, person, model, channel and
    type: the facts per unit when neither a person, a model, a channel nor a type is
    asked for (nor a count per person)."""
    if not by_person and scope.user_id is None and not scope.narrowed_to_cases:
        rows = KpiUnitFact.objects.filter(day__in=sorted(scope.rolled))
        if scope.unit_ids is not None:
            rows = rows.filter(unit_id__in=scope.unit_ids)
        return rows
    rows = KpiFact.objects.filter(day__in=sorted(scope.rolled))
    if scope.unit_ids is not None:
        rows = rows.filter(unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        rows = rows.filter(person_id=scope.user_id)
    if scope.product_model_id is not None:
        rows = rows.filter(product_model_id=scope.product_model_id)
    if scope.channel:
        rows = rows.filter(channel=scope.channel)
    if scope.case_type:
        rows = rows.filter(case_type=scope.case_type)
    return rows


def add(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Counters of the same names added up (per person when grouped)."""
    if not any(isinstance(r, Grouped) for r in results):
        total: dict[str, Any] = {}
        for result in results:
            for name, value in result.items():
                total[name] = (total.get(name) or 0) + (value or 0)
        return total
    keys = {key for result in results for key in result}
    first = results[0]
    rows = {key: add([r.of(key) for r in results]) for key in keys}
    return Grouped(rows, dict(first.empty))


def settled(name: str, scope: Scope, group: str | None = None) -> dict[str, Any]:
    """A settled source's counters for the scope: the facts of the days rolled up (one
    read) and the rows of the other days counted live (one read)."""
    source = settled_sources()[name]
    counters = SETTLED_COUNTERS[name]
    results = []
    ranges = live_ranges(scope)
    if ranges:
        results.append(
            _totals(
                source.rows().filter(
                    scope.case_filter(source.case), within(source.moment, ranges)
                ),
                **source.aggregates(),
                group=group,
                key=f"{source.case}first_owner_id",
            )
        )
    if scope.rolled:
        results.append(
            _totals(
                facts(scope, by_person=group is not None),
                **{counter: Coalesce(Sum(counter), 0) for counter in counters},
                group=group,
                key="person_id",
            )
        )
    return add(results)


# --- Cases ------------------------------------------------------------------------------------


def _repeat_of(days: int) -> Exists:
    """An earlier repair case of the same owned product with the same fault code, opened
    within `days` days before this one."""
    return Exists(
        Ticket.objects.filter(
            product_id=OuterRef("product_id"),
            fault_code=OuterRef("fault_code"),
            type=CaseType.REPAIR,
            created_at__lt=OuterRef("created_at"),
            created_at__gte=OuterRef("created_at") - timedelta(days=days),
        ).exclude(pk=OuterRef("pk"))
    )


def _opened_settled() -> dict[str, Any]:
    """What a case opened counts for once its day is over (rolled up): complaints, repairs
    and repeat repairs."""
    repair = Q(type=CaseType.REPAIR)
    return {
        "opened": Count("pk"),
        "complaints": Count("pk", filter=Q(type=CaseType.COMPLAINT)),
        "repairs": Count("pk", filter=repair),
        "repeat_30": Count("pk", filter=repair & ~Q(fault_code="") & _repeat_of(30)),
        "repeat_90": Count("pk", filter=repair & ~Q(fault_code="") & _repeat_of(90)),
    }


def cases_opened(
    scope: Scope, group: str | None = None, *, percentiles: bool = True
) -> dict[str, Any]:
    """Cases opened in the period: complaints, repairs and repeat repairs (settled: from
    the roll-up for the days it holds), the first responses (and, on PostgreSQL, their
    median and 90th percentile unless `percentiles` is false), and each SLA clock that has
    come due and whether it was met in time (live: later work changes them)."""
    until = scope.until
    aggregates: dict[str, Any] = {
        "responded": Count("pk", filter=Q(first_response_hours__isnull=False)),
    }
    if percentiles:
        aggregates.update(
            _in_query_percentiles("first_response", "first_response_hours")
        )
    for clock, done in CLOCK_DONE_FIELDS.items():
        due = f"{clock}_due_at"
        came_due = Q(has_sla=True, **{f"{due}__isnull": False, f"{due}__lt": until})
        aggregates[f"{clock}_due"] = Count("pk", filter=came_due)
        aggregates[f"{clock}_met"] = Count(
            "pk", filter=came_due & Q(**{f"{done}__lte": F(due)})
        )
    live = _totals(
        Ticket.objects.filter(
            scope.case_filter(), created_at__gte=scope.start, created_at__lt=scope.end
        ),
        **aggregates,
        group=group,
        key="first_owner_id",
    )
    return merge([live, settled("cases_opened", scope, group)])


def _repeated_repair() -> Exists:
    """A case with a second repair record or a second field visit (not fixed first time)."""
    return Exists(
        Repair.objects.filter(ticket_id=OuterRef("pk")).order_by("pk")[1:]
    ) | Exists(FieldVisit.objects.filter(ticket_id=OuterRef("pk")).order_by("pk")[1:])


def cases_resolved(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Cases resolved in the period (their latest resolution): reopened ones, repair cases
    and those fixed the first time (never reopened, one repair record and one visit at
    most)."""
    repair = Q(type=CaseType.REPAIR)
    return _totals(
        Ticket.objects.filter(
            scope.case_filter(), resolved_at__gte=scope.start, resolved_at__lt=scope.end
        ),
        resolved=Count("pk"),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        timed=Count("pk", filter=Q(resolution_hours__isnull=False)),
        repairs_resolved=Count("pk", filter=repair),
        fixed_first_time=Count(
            "pk", filter=repair & Q(reopen_count=0) & ~_repeated_repair()
        ),
        **_in_query_percentiles("resolution", "resolution_hours"),
        group=group,
        key="first_owner_id",
    )


def percentile(
    queryset: QuerySet, field: str, fraction: float, count: int
) -> Decimal | None:
    """The nearest-rank percentile of `field` over `count` rows of `queryset`: the value at
    rank ⌈fraction × count⌉ in ascending order (one ordered read of one row)."""
    if count <= 0:
        return None
    rank = max(1, math.ceil(fraction * count))
    return (
        queryset.filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)[rank - 1 : rank]
        .first()
    )


def response_percentiles(scope: Scope, *, responded: int, timed: int) -> dict[str, Any]:
    """Median and 90th percentile of the first response (cases opened in the period) and of
    the resolution time (cases resolved in the period), in business hours."""
    opened = Ticket.objects.filter(
        scope.case_filter(), created_at__gte=scope.start, created_at__lt=scope.end
    )
    resolved = Ticket.objects.filter(
        scope.case_filter(), resolved_at__gte=scope.start, resolved_at__lt=scope.end
    )
    return {
        "first_response_median": percentile(
            opened, "first_response_hours", 0.5, responded
        ),
        "first_response_p90": percentile(
            opened, "first_response_hours", 0.9, responded
        ),
        "resolution_median": percentile(resolved, "resolution_hours", 0.5, timed),
        "resolution_p90": percentile(resolved, "resolution_hours", 0.9, timed),
    }


def response_percentiles_by_person(scope: Scope) -> Grouped:
    """The same percentiles per first owner: one windowed read per time (each owner's
    rows ranked by their hours; the rows at the median's and the 90th percentile's rank
    kept)."""
    rows: dict[Any, dict[str, Any]] = {}
    specs = (
        ("first_response", "first_response_hours",
         {"created_at__gte": scope.start, "created_at__lt": scope.end}),
        ("resolution", "resolution_hours",
         {"resolved_at__gte": scope.start, "resolved_at__lt": scope.end}),
    )  # fmt: skip
    for name, field, period in specs:
        ranked = (
            Ticket.objects.filter(
                scope.case_filter(),
                first_owner__isnull=False,
                **period,
                **{f"{field}__isnull": False},
            )  # fmt: skip
            .order_by()
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("first_owner_id"),
                    order_by=F(field).asc(),
                ),
                n=Window(Count("pk"), partition_by=F("first_owner_id")),
            )
        )
        median = Q(rank=Ceil(F("n") * Value(0.5)))
        p90 = Q(rank=Ceil(F("n") * Value(0.9)))
        for owner, rank, n, hours in ranked.filter(median | p90).values_list(
            "first_owner_id", "rank", "n", field
        ):
            counters = rows.setdefault(owner, {})
            if rank == math.ceil(0.5 * n):
                counters[f"{name}_median"] = hours
            if rank == math.ceil(0.9 * n):
                counters[f"{name}_p90"] = hours
    empty = dict.fromkeys(
        ("first_response_median", "first_response_p90", "resolution_median",
         "resolution_p90"),
    )  # fmt: skip
    return Grouped(
        {key: {**empty, **counters} for key, counters in rows.items()}, empty
    )


def backlog(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Cases open at the end of what has happened (now within the period, else at the
    period's end), by age. A past period counts the cases opened before its end and not
    resolved by then (cancelled and duplicate cases left out)."""
    at = scope.until
    if at >= scope.now:
        cases = Ticket.objects.filter(status__in=sorted(OPEN_STATES))
    else:
        # Not resolved by then: open now (an open case has no resolution time), or
        # resolved later; both halves are index reads (status, resolved_at), not a scan
        # of every case opened before the end.
        cases = (
            Ticket.objects.filter(created_at__lt=at)
            .filter(Q(status__in=sorted(OPEN_STATES)) | Q(resolved_at__gte=at))
            .exclude(status__in=ENDED_CASE_STATES)
        )
    aggregates: dict[str, Any] = {"backlog": Count("pk")}
    for key, low, high in AGEING:
        condition = Q(created_at__lte=at - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=at - timedelta(days=high))
        aggregates[f"age_{key}"] = Count("pk", filter=condition)
    return _totals(
        cases.filter(scope.case_filter()),
        **aggregates,
        group=group,
        key="first_owner_id",
    )


def _legal_rows() -> QuerySet:
    return TicketEvent.objects.filter(type=TicketEvent.Type.LEGAL_DEADLINE)


def _legal_settled() -> dict[str, Any]:
    return {
        "windows": Count("pk", filter=Q(key__startswith="legal-window:")),
        "limits": Count("pk", filter=Q(key__startswith="repair-limit:")),
    }


def legal_exceptions(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """三包 exceptions recorded in the period by the legal-clock sweep: return, exchange or
    no-reason-return windows closing on a case still owed them, and repair-day limits
    (30/90 days, parts waits, vehicle limits) reached (settled)."""
    return settled("legal_exceptions", scope, group)


# --- Follow-ups and contacts ------------------------------------------------------------------


def _followup_work(scope: Scope) -> Q:
    """Follow-up work: the follow-up's own unit and assignee; model, channel and type of its
    case (care calls, without a case, drop out when those are set)."""
    condition = Q()
    if scope.unit_ids is not None:
        condition &= Q(unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        condition &= Q(assigned_to_id=scope.user_id)
    return condition & scope.product_filter("ticket__")


def _outcome_rows() -> QuerySet:
    return FollowUp.objects.filter(
        ticket__isnull=False, status=FollowUp.Status.COMPLETED
    )


def _outcomes_settled(inside: Q | None = None) -> dict[str, Any]:
    """The outcome counters (of the rows `inside`, when given: one period of a trend)."""
    inside = inside or Q()
    csat = (
        inside
        & Q(score__isnull=False)
        & (Q(questionnaire__isnull=True) | Q(questionnaire__scale=SurveyScale.CSAT5))
    )
    nps = inside & Q(score__isnull=False, questionnaire__scale=SurveyScale.NPS10)
    return {
        "completed": Count("pk", filter=inside),
        "satisfied": Count("pk", filter=inside & Q(result=FollowUp.Result.SATISFIED)),
        "dissatisfied": Count(
            "pk", filter=inside & Q(result=FollowUp.Result.DISSATISFIED)
        ),
        "csat_answers": Count("pk", filter=csat),
        "csat_points": Coalesce(Sum("score", filter=csat), 0),
        "nps_answers": Count("pk", filter=nps),
        "promoters": Count("pk", filter=nps & Q(score__gte=9)),
        "detractors": Count("pk", filter=nps & Q(score__lte=6)),
    }


def followup_outcomes(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Follow-ups of cases completed in the period: satisfied, dissatisfied, CSAT scores
    (1–5 scale) and NPS answers (0–10) with promoters (9–10) and detractors (0–6)
    (settled)."""
    return settled("followup_outcomes", scope, group)


def followup_work(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Follow-ups due in the period (not cancelled): completed, and completed inside their
    window; and the omissions: ended unreachable in the period, or still open when their
    window closed in the period."""
    work = FollowUp.objects.filter(_followup_work(scope))
    due = _totals(
        work.filter(due_at__gte=scope.start, due_at__lt=scope.end).exclude(
            status=FollowUp.Status.CANCELLED
        ),
        due=Count("pk"),
        done=Count("pk", filter=Q(status=FollowUp.Status.COMPLETED)),
        done_on_time=Count(
            "pk",
            filter=Q(
                status=FollowUp.Status.COMPLETED,
                timeliness=FollowUp.Timeliness.ON_TIME,
            ),
        ),
        group=group,
        key="assigned_to_id",
    )
    missed = _totals(
        work.filter(
            Q(
                status=FollowUp.Status.UNREACHABLE,
                ended_at__gte=scope.start,
                ended_at__lt=scope.end,
            )
            | Q(
                status__in=FollowUp.OPEN_STATUSES,
                closes_at__gte=scope.start,
                closes_at__lt=scope.until,
            )
        ),
        missed=Count("pk"),
        group=group,
        key="assigned_to_id",
    )
    return merge([due, missed])


def contacts(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Contacts from customers (inbound) in the period, and those without a disposition
    (an omission); what staff told customers is not a contact to be dealt with. Contacts
    have no model, channel or type of case: those filters leave them out."""
    rows = Contact.objects.filter(
        at__gte=scope.start, at__lt=scope.end, direction=Contact.Direction.INBOUND
    )
    if scope.narrowed_to_cases:
        rows = rows.none()
    if scope.unit_ids is not None:
        rows = rows.filter(
            received_by_id__in=Subquery(
                Membership.objects.filter(unit_id__in=scope.unit_ids).values("user_id")
            )
        )
    if scope.user_id is not None:
        rows = rows.filter(received_by_id=scope.user_id)
    return _totals(
        rows,
        contacts=Count("pk"),
        undisposed=Count("pk", filter=Q(disposition="")),
        group=group,
        key="received_by_id",
    )


def products_in_service(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Owned products delivered on or before the period's last day (of the model, when
    set): the complaint rate's denominator, for every unit and person."""
    rows = OwnedProduct.objects.filter(delivery_date__lte=scope.last_day)
    if scope.product_model_id is not None:
        rows = rows.filter(model_id=scope.product_model_id)
    return _totals(rows, in_service=Count("pk"))


# --- Handovers, visits, claims ----------------------------------------------------------------


def handovers(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Handovers decided in the period (received by the scope's units; decided by its
    person): accepted, with their waiting time, and bounced (rejected or expired)."""
    rows = Handover.objects.filter(
        scope.product_filter("ticket__"),
        decided_at__gte=scope.start,
        decided_at__lt=scope.end,
    )
    if scope.unit_ids is not None:
        rows = rows.filter(to_unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        rows = rows.filter(decided_by_id=scope.user_id)
    accepted = Q(status=Handover.Status.ACCEPTED)
    totals = _totals(
        rows,
        decided=Count("pk"),
        accepted=Count("pk", filter=accepted),
        bounced=Count(
            "pk",
            filter=Q(status__in=[Handover.Status.REJECTED, Handover.Status.EXPIRED]),
        ),
        waited=Sum(
            ExpressionWrapper(
                F("decided_at") - F("requested_at"), output_field=DurationField()
            ),
            filter=accepted,
        ),
        group=group,
        key="decided_by_id",
    )
    return _each(totals, lambda c: c.update(waited_hours=_hours(c.pop("waited", None))))


def visits(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Field visits arrived in the period: conduct-checklist items done of those asked."""
    return _totals(
        FieldVisit.objects.filter(
            scope.case_filter("ticket__", person=None),
            arrived_at__gte=scope.start,
            arrived_at__lt=scope.end,
            conduct_items__gt=0,
            **({"technician_id": scope.user_id} if scope.user_id is not None else {}),
        ),
        visits=Count("pk"),
        conduct_items=Coalesce(Sum("conduct_items"), 0),
        conduct_met=Coalesce(Sum("conduct_met"), 0),
        group=group,
        key="technician_id",
    )


SETTLED = Q(settled_at__isnull=False)


def claims(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Recourse claims settled in the period: claimed and recovered amounts, and the days
    from submission to settlement."""
    totals = _totals(
        RecourseClaim.objects.filter(
            scope.case_filter("ticket__"),
            settled_at__gte=scope.start,
            settled_at__lt=scope.end,
        ),
        settled=Count("pk"),
        claimed=Coalesce(Sum("amount"), Decimal(0)),
        recovered=Coalesce(Sum("recovered_amount"), Decimal(0)),
        cycled=Count("pk", filter=Q(submitted_at__isnull=False)),
        cycle=Sum(
            ExpressionWrapper(
                F("settled_at") - F("submitted_at"), output_field=DurationField()
            ),
            filter=Q(submitted_at__isnull=False),
        ),
        group=group,
        key="ticket__first_owner_id",
    )
    # The days of all those claims together (the KPI divides them by `cycled`).
    return _each(
        totals, lambda c: c.update(cycle_days_total=_hours(c.pop("cycle", None)) / 24)
    )


def recourse_by_party(scope: Scope, *, limit: int = 50) -> list[dict[str, Any]]:
    """Per liable party: compensation paid to customers in the period (on cases with that
    party liable), and claimed and recovered on claims settled in the period. Two grouped
    reads, the largest payers first."""
    paid = (
        Compensation.objects.filter(
            scope.case_filter("ticket__"),
            party__isnull=False,
            paid_on__gte=scope.first_day,
            paid_on__lte=scope.last_day,
        )
        .order_by()
        .values("party_id", "party__name")
        .annotate(paid=Sum("amount"))
    )
    settled = (
        RecourseClaim.objects.filter(
            scope.case_filter("ticket__"),
            settled_at__gte=scope.start,
            settled_at__lt=scope.end,
        )
        .order_by()
        .values("party_id", "party__name")
        .annotate(
            claimed=Sum("amount"), recovered=Sum("recovered_amount"), claims=Count("pk")
        )
    )
    rows: dict[int, dict[str, Any]] = {}
    for row in paid:
        rows[row["party_id"]] = {
            "party_id": row["party_id"],
            "party": row["party__name"],
            "paid": row["paid"],
            "claimed": Decimal(0),
            "recovered": Decimal(0),
            "claims": 0,
        }
    for row in settled:
        entry = rows.setdefault(
            row["party_id"],
            {
                "party_id": row["party_id"],
                "party": row["party__name"],
                "paid": Decimal(0),
            },
        )
        entry.update(
            claimed=row["claimed"], recovered=row["recovered"], claims=row["claims"]
        )
    ordered = sorted(
        rows.values(), key=lambda r: (-r["paid"], -r["claimed"], r["party"])
    )
    return ordered[:limit]


# --- Voice of the customer, standards ---------------------------------------------------------


def feedback(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Feedback items whose reply fell due in the period, and those answered by that day."""
    rows = FeedbackItem.objects.filter(
        reply_due_on__gte=scope.first_day, reply_due_on__lte=scope.last_day
    )
    if scope.unit_ids is not None:
        rows = rows.filter(ticket__unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        rows = rows.filter(owner_id=scope.user_id)
    if scope.product_model_id is not None:
        rows = rows.filter(product_model_id=scope.product_model_id)
    if scope.channel or scope.case_type:
        rows = rows.filter(scope.product_filter("ticket__") & ~Q(ticket=None))
    zone = timezone.get_current_timezone()
    return _totals(
        rows.annotate(answered_on=TruncDate("answered_at", tzinfo=zone)),
        feedback_due=Count("pk"),
        feedback_on_time=Count("pk", filter=Q(answered_on__lte=F("reply_due_on"))),
        group=group,
        key="owner_id",
    )


def improvement_actions(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Improvement actions due in the period and those done by their due day; and the
    actions still open at the end of what has happened."""
    rows = ImprovementAction.objects.all()
    if scope.unit_ids is not None:
        rows = rows.filter(unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        rows = rows.filter(owner_id=scope.user_id)
    if scope.product_model_id is not None:
        rows = rows.filter(notice__product_model_id=scope.product_model_id)
    zone = timezone.get_current_timezone()
    open_at = Q(created_at__lt=scope.until) & (
        Q(done_at__isnull=True) | Q(done_at__gte=scope.until)
    )
    return _totals(
        rows.annotate(done_on=TruncDate("done_at", tzinfo=zone)),
        actions_due=Count(
            "pk", filter=Q(due_on__gte=scope.first_day, due_on__lte=scope.last_day)
        ),
        actions_on_time=Count(
            "pk",
            filter=Q(
                due_on__gte=scope.first_day,
                due_on__lte=scope.last_day,
                done_on__lte=F("due_on"),
            ),
        ),
        actions_open=Count("pk", filter=open_at),
        group=group,
        key="owner_id",
    )


def standard_reviews(scope: Scope, group: str | None = None) -> dict[str, Any]:
    """Standard versions in force whose review fell due in the period, and those reviewed in
    time: a later version of the document approved on or before the review date."""
    zone = timezone.get_current_timezone()
    successor = (
        StandardVersion.objects.filter(
            document_id=OuterRef("document_id"),
            version__gt=OuterRef("version"),
            approved_at__isnull=False,
        )
        .annotate(approved_on=TruncDate("approved_at", tzinfo=zone))
        .filter(approved_on__lte=OuterRef("next_review_due"))
    )
    rows = StandardVersion.objects.filter(
        status__in=[VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED],
        next_review_due__gte=scope.first_day,
        next_review_due__lte=scope.last_day,
    )
    if scope.unit_ids is not None:
        rows = rows.filter(document__owner_unit_id__in=scope.unit_ids)
    if scope.user_id is not None:
        rows = rows.filter(document__owner_id=scope.user_id)
    return _totals(
        rows,
        reviews_due=Count("pk"),
        reviews_on_time=Count("pk", filter=Exists(successor)),
        group=group,
        key="document__owner_id",
    )


# --- Pareto and trends ------------------------------------------------------------------------


def fault_pareto(scope: Scope, *, limit: int = 200) -> list[dict[str, Any]]:
    """Cases opened in the period by product model and fault code, the most frequent first:
    the roll-up's fault facts for the days held (when no person, channel or case type is
    asked for; then one read of the models' names) and a grouped read of the cases of the
    other days."""
    usable = bool(scope.rolled) and scope.user_id is None
    usable = usable and not scope.channel and not scope.case_type
    ranges = live_ranges(scope) if usable else [(scope.start, scope.end)]
    counts: dict[tuple[int, str], int] = {}
    names: dict[int, tuple[str, str]] = {}
    if ranges:
        live = (
            Ticket.objects.filter(
                scope.case_filter(), within("created_at", ranges), product__isnull=False
            )
            .exclude(fault_code="")
            .order_by()
            .values(
                "product__model_id",
                "product__model__code",
                "product__model__name",
                "fault_code",
            )
            .annotate(cases=Count("pk"))
        )
        for row in live:
            key = (row["product__model_id"], row["fault_code"])
            counts[key] = counts.get(key, 0) + row["cases"]
            names[key[0]] = (row["product__model__code"], row["product__model__name"])
    if usable:
        facts = KpiFaultFact.objects.filter(day__in=sorted(scope.rolled))
        if scope.unit_ids is not None:
            facts = facts.filter(unit_id__in=scope.unit_ids)
        if scope.product_model_id is not None:
            facts = facts.filter(product_model_id=scope.product_model_id)
        rows = (
            facts.order_by()
            .values("product_model_id", "fault_code")
            .annotate(total=Sum("cases"))
        )
        for row in rows:
            key = (row["product_model_id"], row["fault_code"])
            counts[key] = counts.get(key, 0) + row["total"]
        missing = {model for model, _fault in counts if model not in names}
        if missing:
            for pk, code, name in ProductModel.objects.filter(
                pk__in=missing
            ).values_list("pk", "code", "name"):
                names[pk] = (code, name)
    result = [
        {
            "product__model_id": model,
            "product__model__code": names.get(model, ("", ""))[0],
            "product__model__name": names.get(model, ("", ""))[1],
            "fault_code": fault,
            "cases": cases,
        }
        for (model, fault), cases in counts.items()
        if cases
    ]
    result.sort(key=lambda r: (-r["cases"], r["product__model__code"], r["fault_code"]))
    return result[:limit]
