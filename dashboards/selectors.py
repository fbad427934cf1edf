"""The dashboards' reads: a KPI report for a scope (every KPI against the standard in
force at the period's end), the previous period's three controls, trends, the fault-code
Pareto and recourse per party."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from aftersales import datastamp
from aftersales.models import Membership
from aftersales.selectors import user_list
from customers.models import ProductModel
from dashboards import kpis, measures
from dashboards.measures import Scope
from dashboards.periods import Period
from standards import selectors as standard_selectors
from standards.models import StandardVersion

# The measures each part of the report needs (the three controls alone for the previous
# period's comparison).
ALL_MEASURES = (
    "cases_opened", "cases_resolved", "backlog", "legal_exceptions", "followup_outcomes",
    "followup_work", "contacts", "products_in_service", "handovers", "visits", "claims",
    "feedback", "improvement_actions", "standard_reviews",
)  # fmt: skip
CONTROL_MEASURES = (
    "cases_opened", "followup_outcomes", "followup_work", "contacts", "products_in_service",
)  # fmt: skip


def kept(name: str, scope: Scope, compute: Callable[[], Any], *args: Any) -> Any:
    """`compute()` for `scope` (and `args`), kept in the cache while the business data
    is unchanged (the data stamp, `aftersales.datastamp`), within the same minute of
    `scope.now` and at most DASHBOARD_CACHE_SECONDS: the dashboards' figures are computed
    once, not on every request of every manager."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    parts = (
        name, scope.start.isoformat(), scope.end.isoformat(),
        scope.now.replace(second=0, microsecond=0).isoformat(), scope.unit_ids,
        scope.user_id, scope.product_model_id, scope.channel, scope.case_type,
        sorted(scope.rolled), translation.get_language(), args,
    )  # fmt: skip
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"dashboards:{name}:{datastamp.current()}:{digest}"
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(key, found, seconds)
    return found


_MISSING = object()


def counters(scope: Scope, *, only: tuple[str, ...] = ALL_MEASURES) -> dict[str, Any]:
    """Every counter of the named measures (one query each; the settled ones from the
    roll-up for the days it holds and live for the others), with the percentiles when the
    case measures are asked for; kept while the data is unchanged."""
    return kept("counters", scope, lambda: _counters(scope, only), only)


def _counters(scope: Scope, only: tuple[str, ...]) -> dict[str, Any]:
    scope = measures.with_rollup(scope)
    result: dict[str, Any] = {}
    complete = "cases_opened" in only and "cases_resolved" in only
    for name in only:
        if name == "cases_opened":
            result.update(measures.cases_opened(scope, percentiles=complete))
        else:
            result.update(getattr(measures, name)(scope))
    if complete and "first_response_median" not in result:
        result.update(
            measures.response_percentiles(
                scope, responded=result["responded"], timed=result["timed"]
            )
        )
    return kpis.derive(result)


def standard_in_force(scope: Scope) -> StandardVersion | None:
    """The service-standard version in force at the period's end for the scope's channel
    (and product category, when a model is chosen); kept while the data is unchanged."""
    return kept("standard", scope, lambda: _standard_in_force(scope))


def _standard_in_force(scope: Scope) -> StandardVersion | None:
    category = ""
    if scope.product_model_id is not None:
        category = (
            ProductModel.objects.filter(pk=scope.product_model_id)
            .values_list("category", flat=True)
            .first()
            or ""
        )
    return standard_selectors.service_standard_resolve(
        category=category,
        channel=scope.channel or "",
        at=min(scope.end - timedelta(microseconds=1), scope.now),
    )


@dataclass
class Report:
    """A scope's KPIs, in catalogue order, with the standard they are measured against."""

    scope: Scope
    standard: StandardVersion | None
    values: dict[str, kpis.KpiValue]
    ageing: dict[str, int] = field(default_factory=dict)

    def as_api(self) -> dict[str, Any]:
        result = kpis.nest(self.values)
        backlog = self.values["backlog"].value or 0
        result["backlog_ageing"] = {
            key: {
                "value": count,
                "numerator": count,
                "denominator": backlog,
                "target": None,
                "ceiling": None,
                "breached": False,
            }
            for key, count in self.ageing.items()
        }
        return result

    def group(self, name: str) -> list[kpis.KpiValue]:
        return [v for v in self.values.values() if v.kpi.group == name]

    @property
    def breaches(self) -> list[kpis.KpiValue]:
        return [v for v in self.values.values() if v.breached]


def kpi_report(
    scope: Scope,
    *,
    only: tuple[str, ...] = ALL_MEASURES,
    standard: StandardVersion | None | bool = False,
) -> Report:
    """The KPIs of `scope` (those whose measures are in `only`). `standard`: the version
    to measure against (False: the one in force at the period's end)."""
    version = standard_in_force(scope) if standard is False else standard
    parameters = version.parameters if version is not None else {}
    measured = counters(scope, only=only)
    values = {
        kpi.key: kpis.measure(kpi, measured, parameters)
        for kpi in kpis.CATALOGUE
        if kpi.numerator in measured
    }
    ageing = {
        key: measured[f"age_{key}"]
        for key, _low, _high in measures.AGEING
        if f"age_{key}" in measured
    }
    return Report(scope=scope, standard=version, values=values, ageing=ageing)


def kpi_api(scope: Scope) -> dict[str, Any]:
    """The KPI API's answer for `scope` (`kpi_report(scope).as_api()`), kept while the
    data is unchanged."""
    return kept("api", scope, lambda: kpi_report(scope).as_api())


def scope_for(period: Period, base: Scope) -> Scope:
    """`base` moved to `period`."""
    start, end = period.span(timezone.get_current_timezone())
    return Scope(
        start=start,
        end=end,
        now=base.now,
        unit_ids=base.unit_ids,
        user_id=base.user_id,
        product_model_id=base.product_model_id,
        channel=base.channel,
        case_type=base.case_type,
        unit_id=base.unit_id,
    )


TREND_COUNTERS = {
    "n": "completed", "s": "satisfied", "ca": "csat_answers", "cp": "csat_points",
    "na": "nps_answers", "np": "promoters", "nd": "detractors",
}  # fmt: skip


def voice_trend(base: Scope, periods: list[Period]) -> list[dict[str, Any]]:
    """Satisfaction rate, CSAT and NPS per period (oldest first): the follow-ups of cases
    completed over all the periods, from the roll-up's facts for the days it holds (one
    grouped read) and live for the others (one grouped read); kept while the data is
    unchanged."""
    return kept(
        "trend", base, lambda: _voice_trend(base, periods),
        [(p.kind, p.first, p.last) for p in periods],
    )  # fmt: skip


def _voice_trend(base: Scope, periods: list[Period]) -> list[dict[str, Any]]:
    zone = timezone.get_current_timezone()
    spans = [(p, *p.span(zone)) for p in periods]
    first, last = spans[0][1], spans[-1][2]
    scope = measures.with_rollup(
        Scope(start=first, end=last, now=base.now, unit_ids=base.unit_ids,
              user_id=base.user_id, product_model_id=base.product_model_id,
              channel=base.channel, case_type=base.case_type)
    )  # fmt: skip
    settled = measures.settled_sources()["followup_outcomes"]
    totals: dict[str, Any] = {}
    ranges = measures.live_ranges(scope)
    if ranges:
        buckets: dict[str, Any] = {}
        for index, (_period, start, end) in enumerate(spans):
            outcome = settled.aggregates(
                Q(completed_at__gte=start, completed_at__lt=end)
            )
            for prefix, counter in TREND_COUNTERS.items():
                buckets[f"{prefix}{index}"] = outcome[counter]
        live = (
            settled.rows()
            .filter(
                scope.case_filter("ticket__"), measures.within("completed_at", ranges)
            )
            .order_by()
            .aggregate(**buckets)
        )
        totals = measures.add([totals, live])
    if scope.rolled:
        buckets = {}
        for index, (period, _start, _end) in enumerate(spans):
            inside = Q(day__gte=period.first, day__lte=period.last)
            for prefix, counter in TREND_COUNTERS.items():
                buckets[f"{prefix}{index}"] = Coalesce(Sum(counter, filter=inside), 0)
        rolled = measures.facts(scope).order_by().aggregate(**buckets)
        totals = measures.add([totals, rolled])
    rows = []
    for index, (period, _start, _end) in enumerate(spans):
        n, answers, nps_answers = (
            totals.get(f"n{index}", 0), totals.get(f"ca{index}", 0),
            totals.get(f"na{index}", 0),
        )  # fmt: skip
        satisfied, points = totals.get(f"s{index}", 0), totals.get(f"cp{index}", 0)
        promoters, detractors = totals.get(f"np{index}", 0), totals.get(f"nd{index}", 0)
        rows.append(
            {
                "period": period.label(),
                "completed": n,
                "satisfaction_rate": round(satisfied / n, 4) if n else None,
                "csat": round(points / answers, 2) if answers else None,
                "nps": round((promoters - detractors) * 100 / nps_answers, 1)
                if nps_answers
                else None,
            }
        )
    return rows


def pareto(scope: Scope, *, per_model: int = 10) -> list[dict[str, Any]]:
    """Fault codes per product model, most frequent first, each with its share and the
    cumulative share within its model (the Pareto table); kept while the data is
    unchanged."""
    return kept("pareto", scope, lambda: _pareto(scope, per_model), per_model)


def _pareto(scope: Scope, per_model: int) -> list[dict[str, Any]]:
    rows = measures.fault_pareto(measures.with_rollup(scope))
    models: dict[int, dict[str, Any]] = {}
    for row in rows:
        model = models.setdefault(
            row["product__model_id"],
            {
                "model_id": row["product__model_id"],
                "model": row["product__model__code"],
                "name": row["product__model__name"],
                "total": 0,
                "faults": [],
            },
        )
        model["total"] += row["cases"]
        model["faults"].append({"fault_code": row["fault_code"], "cases": row["cases"]})
    for model in models.values():
        running = 0
        for fault in model["faults"]:
            running += fault["cases"]
            fault["share"] = round(fault["cases"] / model["total"], 4)
            fault["cumulative"] = round(running / model["total"], 4)
        model["faults"] = model["faults"][:per_model]
    return sorted(models.values(), key=lambda m: (-m["total"], m["model"]))


def recourse_by_party(scope: Scope) -> list[dict[str, Any]]:
    """Compensation paid and recourse recovered per liable party (measures); kept while
    the data is unchanged."""
    return kept("parties", scope, lambda: measures.recourse_by_party(scope))


def kpi_reports_by_person(scope: Scope, person_ids: list[int]) -> dict[int, Report]:
    """Each person's KPIs for `scope` (the scorecards): every measure grouped by its
    person field in one query each, so the number of queries does not grow with the
    people. A person's figures equal `kpi_report` with the scope's `user` set to them."""
    version = standard_in_force(scope)
    parameters = version.parameters if version is not None else {}
    rolled = measures.with_rollup(scope)
    results = [getattr(measures, name)(rolled, group="person") for name in ALL_MEASURES]
    if connection.vendor != "postgresql":  # (there, in the measures' queries)
        results.append(measures.response_percentiles_by_person(scope))
    merged = measures.merge(results)
    reports = {}
    for person_id in person_ids:
        measured = kpis.derive(merged.of(person_id))
        reports[person_id] = Report(
            scope=replace(scope, user_id=person_id),
            standard=version,
            values={
                kpi.key: kpis.measure(kpi, measured, parameters)
                for kpi in kpis.CATALOGUE
                if kpi.numerator in measured
            },
            ageing={
                key: measured.get(f"age_{key}", 0)
                for key, _low, _high in measures.AGEING
            },
        )
    return reports


def scorecard_people(*, viewer, allowed_unit_ids, own_only: bool, user_id: int | None):
    """Whose scorecards the viewer sees: their own (staff), the staff of the units they
    oversee (supervisors), or every member of staff (company-wide roles); one person
    when the filter names them. Staff in name order."""
    people = user_list(viewer=viewer).prefetch_related(None)
    if own_only:
        return people.filter(pk=viewer.pk)
    if allowed_unit_ids is not None:
        members = Membership.objects.filter(unit_id__in=allowed_unit_ids).values(
            "user_id"
        )
        people = people.filter(pk__in=members)
    if user_id is not None:
        people = people.filter(pk=user_id)
    return people.order_by("first_name", "last_name", "username")
