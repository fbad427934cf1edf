"""Dashboard pages: the managers' dashboard and its table exports."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils.functional import Promise
from django.views.decorators.http import require_GET

from customers.imports.exporting import spreadsheet_response
from dashboards import kpis, selectors, tables
from dashboards.forms import DashboardFilterForm
from dashboards.periods import PeriodKind, period_containing

TREND_PERIODS = 6


def _dashboard(request):
    """The filters (and whether they were valid), the period, the report, the previous
    period's three controls and every table of the dashboard for this request. Invalid
    filters are shown with their errors over the default view (this month, everything
    the viewer may see)."""
    form = DashboardFilterForm(request.GET, viewer=request.user)
    form_ok = form.is_valid()
    active = form if form_ok else DashboardFilterForm({}, viewer=request.user)
    active.is_valid()
    period = active.get_period()
    scope = active.get_scope(period)
    report = selectors.kpi_report(scope)
    previous = selectors.kpi_report(
        selectors.scope_for(period.previous(), scope),
        only=selectors.CONTROL_MEASURES,
        standard=report.standard,
    )
    if period.kind == PeriodKind.CUSTOM:
        series = period_containing(PeriodKind.MONTH, period.last).series(TREND_PERIODS)
    else:
        series = period.series(TREND_PERIODS)
    built = tables.dashboard_tables(
        report,
        trend=selectors.voice_trend(scope, series),
        models=selectors.pareto(scope),
        parties=selectors.recourse_by_party(scope),
    )
    return form, form_ok, period, report, previous, built


@login_required
@require_GET
def dashboard(request):
    """The three controls against the standard's ceilings (with the change from the
    previous period), every KPI of domain §8 by group, charts with their tables, and a
    drill-down from each figure to the list behind it. Filters in the URL."""
    form, form_ok, period, report, previous, built = _dashboard(request)
    tiles = []
    for key in kpis.CONTROLS:
        value, before = report.values[key], previous.values[key]
        change = (
            None
            if value.value is None or before.value is None
            else value.value - before.value
        )
        tiles.append(
            {
                "value": value,
                "text": tables.format_value("rate", value.value),
                "ceiling": tables.format_value("rate", value.ceiling),
                "previous": tables.format_value("rate", before.value),
                "change": change,
                "change_text": None
                if change is None
                else ("+" if change > 0 else "") + tables.format_value("rate", change),
                "url": tables.drilldown.url_for(value.kpi.drill, report.scope),
            }
        )
    query = request.GET.urlencode() if form_ok else ""
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "form": form,
            "form_ok": form_ok,
            "period": period,
            "previous_period": period.previous(),
            "report": report,
            "tiles": tiles,
            "tables": built,
            "kpi_tables": [built[f"kpis-{group}"] for group in kpis.GROUPS],
            "charts": [
                built[key]
                for key in ("on-time", "ageing", "trend", "pareto", "recourse")
            ],
            "query": query,
        },
        status=200 if form_ok else 400,
    )


@login_required
@require_GET
def dashboard_export(request, table: str, file_format: str):
    """One table of the dashboard, for the same filters, as CSV or XLSX. Invalid filters
    answer 400 with their errors (never a file of the default view instead)."""
    form, form_ok, period, _report, _previous, built = _dashboard(request)
    if table not in built:
        raise Http404
    if not form_ok:
        return HttpResponseBadRequest(
            "\n".join(
                f"{form[name].label if name in form.fields else ''}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            ),
            content_type="text/plain; charset=utf-8",
        )
    chosen = built[table]
    header = tuple(str(column) for column in chosen.columns)
    rows = (
        [str(v) if isinstance(v, Promise) else v for v in row] for row in chosen.rows
    )
    return spreadsheet_response(
        f"{table}-{period.first:%Y%m%d}", header, rows, file_format
    )


def _scorecards(request, *, full: bool):
    """The filters (and whether valid), the period and the scorecard table."""
    form = DashboardFilterForm(request.GET, viewer=request.user, own=True)
    form_ok = form.is_valid()
    active = form if form_ok else DashboardFilterForm({}, viewer=request.user, own=True)
    active.is_valid()
    period = active.get_period()
    scope = active.get_scope(period)
    # The people of the units measured: those the viewer oversees, or the unit chosen.
    people = list(
        selectors.scorecard_people(
            viewer=request.user,
            allowed_unit_ids=scope.unit_ids,
            own_only=active.own_only,
            user_id=scope.user_id,
        )
    )
    reports = selectors.kpi_reports_by_person(
        replace(scope, user_id=None), [person.pk for person in people]
    )
    # Each row leads to the dashboard for the same filters and that person (staff who
    # see only their own figures have no dashboard to go to).
    query = None
    if not active.own_only:
        query = request.GET.copy() if form_ok else QueryDict(mutable=True)
        query.pop("user", None)
    table = tables.scorecard_table(people, reports, full=full, query=query)
    return form, form_ok, period, table


@login_required
@require_GET
def scorecards(request):
    """Each person's KPIs against the standard's targets, the same figures as the
    dashboard filtered to that person: staff see their own, supervisors their units'
    people, quality managers and managers everyone."""
    form, form_ok, period, table = _scorecards(request, full=False)
    return render(
        request,
        "dashboards/scorecards.html",
        {
            "form": form,
            "period": period,
            "table": table,
            "query": request.GET.urlencode() if form_ok else "",
            "own_only": form.own_only,
        },
        status=200 if form_ok else 400,
    )


@login_required
@require_GET
def scorecards_export(request, file_format: str):
    """Every person's every KPI, for the same filters, as CSV or XLSX."""
    _form, form_ok, period, table = _scorecards(request, full=True)
    if not form_ok:
        return HttpResponseBadRequest(_form.errors.as_text())
    header = tuple(str(column) for column in table.columns)
    rows = (
        [str(v) if isinstance(v, Promise) else v for v in row] for row in table.rows
    )
    return spreadsheet_response(
        f"scorecards-{period.first:%Y%m%d}", header, rows, file_format
    )
