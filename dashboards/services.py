"""The dashboards' jobs:

- the monthly report (the 1st): last month's company-wide figures e-mailed to managers and
  quality managers through the outbox;
- the KPI breach sweep (daily; domain §8 "each breach of a ceiling ... opens an
  improvement action"): the last complete month is measured for the company and each
  branch (their subtrees); every KPI past the limit of the standard in force opens one
  improvement action (feedback.voice), once per KPI, unit and month; open KPI actions
  whose KPI is back within the limit in that month are verified;
- the KPI roll-up (nightly): the settled counters of every day not held yet, and of the
  last ROLLUP_TRAILING_DAYS days again (late edits), written as facts per day × unit ×
  person × product model × channel × case type, per day × unit, and per day × unit × model
  × fault code (dashboards.models), set-based: one INSERT … SELECT each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Sum
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import OutboxMessage, Unit, User
from aftersales.roles import Role
from aftersales.services import job_run, outbox_enqueue
from dashboards import kpis, measures, selectors
from dashboards.forms import last_complete_month
from dashboards.measures import Scope
from dashboards.models import (
    SETTLED_COUNTERS,
    KpiFact,
    KpiFaultFact,
    KpiRollupDay,
    KpiUnitFact,
)
from dashboards.periods import Period
from dashboards.tables import format_value
from feedback.models import ImprovementAction
from feedback.voice import services as voice_services
from feedback.voice.services.kpi_actions import OPEN as OPEN_ACTION_STATES
from tickets.models import Ticket

# The levels whose figures open actions: the company and its branches (a department's
# figures roll up into its branch).
BREACH_UNIT_KINDS = (Unit.Kind.COMPANY, Unit.Kind.BRANCH)
# Days a unit has to answer a breach.
ACTION_DAYS = 30
# Days before yesterday the nightly roll-up writes again (a case's type, unit or fault code
# corrected the next days reaches the facts).
ROLLUP_TRAILING_DAYS = 7
FACT_KEYS = ("day", "unit_id", "person_id", "product_model_id", "channel", "case_type")


def kpi_rollup(*, first: date, last: date, now: datetime) -> int:
    """Write the facts of the days `first`..`last` (those before today): the days' facts
    are replaced in one transaction, one INSERT … SELECT per settled source grouping its
    rows by day and keys, and the days are registered as held. Returns the days rolled
    up."""
    last = min(last, timezone.localdate(now) - timedelta(days=1))
    if last < first:
        return 0
    zone = timezone.get_current_timezone()
    start = measures.midnight(first)
    end = measures.midnight(last + timedelta(days=1))
    with transaction.atomic():
        KpiFact.objects.filter(day__gte=first, day__lte=last).delete()
        KpiUnitFact.objects.filter(day__gte=first, day__lte=last).delete()
        KpiFaultFact.objects.filter(day__gte=first, day__lte=last).delete()
        KpiRollupDay.objects.filter(day__gte=first, day__lte=last).delete()
        for name, source in measures.settled_sources().items():
            case = source.case
            rows = (
                source.rows()
                .filter(**{f"{source.moment}__gte": start, f"{source.moment}__lt": end})
                .order_by()
                .values(
                    fact_day=TruncDate(source.moment, tzinfo=zone),
                    fact_unit=F(f"{case}unit_id"),
                    fact_person=F(f"{case}first_owner_id"),
                    fact_model=F(f"{case}product__model_id"),
                    fact_channel=F(f"{case}source"),
                    fact_type=F(f"{case}type"),
                )
                .annotate(**source.aggregates())
            )
            select, params = rows.query.sql_with_params()
            columns = ", ".join((*FACT_KEYS, *SETTLED_COUNTERS[name]))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {KpiFact._meta.db_table} ({columns}) {select}",
                    params,
                )
        counters = [name for names in SETTLED_COUNTERS.values() for name in names]
        per_unit = (
            KpiFact.objects.filter(day__gte=first, day__lte=last)
            .order_by()
            .values("day", "unit_id")
            .annotate(**{f"total_{name}": Sum(name) for name in counters})
        )
        select, params = per_unit.query.sql_with_params()
        columns = ", ".join(("day", "unit_id", *counters))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {KpiUnitFact._meta.db_table} ({columns}) {select}", params
            )
        faults = (
            Ticket.objects.filter(
                created_at__gte=start, created_at__lt=end, product__isnull=False
            )
            .exclude(fault_code="")
            .order_by()
            .values(
                fact_day=TruncDate("created_at", tzinfo=zone),
                fact_unit=F("unit_id"),
                fact_model=F("product__model_id"),
                fact_fault=F("fault_code"),
            )
            .annotate(fact_cases=Count("pk"))
        )
        select, params = faults.query.sql_with_params()
        columns = "day, unit_id, product_model_id, fault_code, cases"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {KpiFaultFact._meta.db_table} ({columns}) {select}",
                params,
            )
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        KpiRollupDay.objects.bulk_create(
            [KpiRollupDay(day=day, rolled_at=now) for day in days]
        )
    return len(days)


def kpi_rollup_catch_up(*, now: datetime) -> int:
    """Roll up every day since the first case that the roll-up does not hold yet (all of
    them at once, from the first day missing), and the trailing days again."""
    yesterday = timezone.localdate(now) - timedelta(days=1)
    first_case = Ticket.objects.aggregate(first=Min("created_at"))["first"]
    if first_case is None:
        return 0
    first = timezone.localdate(first_case)
    if first > yesterday:
        return 0
    span = (yesterday - first).days + 1
    held = KpiRollupDay.objects.filter(day__gte=first, day__lte=yesterday)
    if held.count() < span:
        held_days = set(held.values_list("day", flat=True))
        missing = next(
            first + timedelta(days=n)
            for n in range(span)
            if first + timedelta(days=n) not in held_days
        )
    else:
        missing = yesterday
    since = min(missing, yesterday - timedelta(days=ROLLUP_TRAILING_DAYS - 1))
    return kpi_rollup(first=max(first, since), last=yesterday, now=now)


def kpi_rollup_nightly(*, now: datetime) -> int:
    """The nightly job (kpi-rollup): the catch-up, recorded as a job run."""
    with job_run("kpi_rollup") as run:
        run.items = kpi_rollup_catch_up(now=now)
        return run.items


def _scope(unit: Unit, period: Period, now: datetime) -> Scope:
    start, end = period.span(timezone.get_current_timezone())
    ids = tuple(Unit.objects.subtree_of([unit]).values_list("pk", flat=True))
    return Scope(start=start, end=end, now=now, unit_ids=ids)


def kpi_breach_sweep(*, now: datetime) -> int:
    """Measure last month per unit; open an action per breached KPI (once), verify open
    KPI actions whose KPI is back within the limit. Returns actions opened + verified."""
    with job_run("kpi_breaches") as run:
        period = last_complete_month(timezone.localdate(now))
        run.detail = period.label()
        due_on = timezone.localdate(now) + timedelta(days=ACTION_DAYS)
        touched = 0
        units = (
            Unit.objects.active().filter(kind__in=BREACH_UNIT_KINDS).order_by("path")
        )
        for unit in units:
            report = selectors.kpi_report(_scope(unit, period, now))
            for value in report.values.values():
                kpi = value.kpi
                if not value.breached:
                    continue
                description = _(
                    "%(kpi)s was %(value)s in %(period)s, past the limit %(limit)s of "
                    "the service standard. Find the cause and act on it."
                ) % {
                    "kpi": kpi.label,
                    "value": format_value(kpi.kind, value.value),
                    "period": period.label(),
                    "limit": format_value(kpi.kind, value.ceiling),
                }
                if voice_services.improvement_action_open_for_kpi(
                    kpi_key=kpi.standard_key, label=str(kpi.label), unit=unit,
                    period_start=period.first, period_end=period.last,
                    value=value.value, ceiling=value.ceiling, due_on=due_on,
                    description=description,
                ):  # fmt: skip
                    touched += 1
            touched += _verify(unit, report, period, now)
        run.items = touched
        return touched


def _verify(unit: Unit, report, period: Period, now: datetime) -> int:
    """Verify the unit's open KPI actions of earlier periods whose KPI is within its limit
    in `period` (measured, with a value). An action names its KPI by the key of the
    standard's `kpi` parameters (`on_time_acknowledge`, not the API's
    `on_time_rate.acknowledge`): the key its subject is labelled by."""
    verified = 0
    by_key = {value.kpi.standard_key: value for value in report.values.values()}
    waiting = ImprovementAction.objects.filter(
        unit=unit,
        status__in=OPEN_ACTION_STATES,
        period_start__lt=period.first,
    ).exclude(kpi_key="")
    for action in waiting:
        value = by_key.get(action.kpi_key)
        if (
            value is None
            or value.value is None
            or value.ceiling is None
            or value.breached
        ):
            continue
        note = _(
            "Re-measured in %(period)s: %(value)s, within the limit %(limit)s."
        ) % {
            "period": period.label(),
            "value": format_value(value.kpi.kind, value.value),
            "limit": format_value(value.kpi.kind, value.ceiling),
        }
        if voice_services.improvement_action_remeasured(
            action=action, period_start=period.first, note=note, now=now
        ):
            verified += 1
    return verified


# Who receives the monthly report.
REPORT_ROLES = (Role.MANAGER, Role.QUALITY_MANAGER)


def monthly_report_send(*, now: datetime) -> int:
    """On the 1st of a month: the last month's company-wide figures (the three controls,
    then every KPI, with the limits) e-mailed to each manager and quality manager with an
    address, in their language, through the outbox, with a link to the month's dashboard.
    Idempotent (one message per person and month). Returns the messages queued."""
    with job_run("monthly_report") as run:
        period = last_complete_month(timezone.localdate(now))
        run.detail = period.label()
        start, end = period.span(timezone.get_current_timezone())
        report = selectors.kpi_report(Scope(start=start, end=end, now=now))
        recipients = (
            User.objects.filter(is_active=True, groups__name__in=REPORT_ROLES)
            .exclude(email="")
            .distinct()
            .order_by("pk")
        )
        queued = 0
        for recipient in recipients:
            key = f"monthly-report:{period.first:%Y-%m}:{recipient.pk}"
            if OutboxMessage.objects.filter(key=key).exists():
                continue
            with translation.override(recipient.language or settings.LANGUAGE_CODE):
                subject, body = _report_text(report, period, recipient)
            outbox_enqueue(
                channel=OutboxMessage.Channel.EMAIL, to=recipient.email,
                subject=subject, body=body, key=key,
            )  # fmt: skip
            queued += 1
        run.items = queued
        return queued


def _report_text(report, period: Period, recipient) -> tuple[str, str]:
    """The subject and text of the monthly report, in the active language."""

    def line(value):
        return {
            "label": value.kpi.label,
            "value": format_value(value.kpi.kind, value.value),
            "limit": format_value(value.kpi.kind, value.ceiling),
            "breached": value.breached,
        }

    controls = [line(report.values[key]) for key in kpis.CONTROLS]
    others = [line(v) for key, v in report.values.items() if key not in kpis.CONTROLS]
    query = urlencode({"period": "month", "date": period.first.isoformat()})
    link = f"{settings.AFTERSALES_BASE_URL.rstrip('/')}{reverse('dashboard')}?{query}"
    body = render_to_string(
        "dashboards/email/monthly_report.txt",
        {
            "recipient": recipient,
            "period": period,
            "controls": controls,
            "others": others,
            "breaches": len(report.breaches),
            "link": link,
        },
    )
    subject = _("[Aftersales] Service figures of %(period)s") % {
        "period": period.label()
    }
    return subject, body
