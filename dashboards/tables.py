"""The dashboard's tables, built once for the page (each chart reads its table), and for
the CSV and XLSX exports: a title, column headings, rows of plain values, and the
drill-down link of each row when it has one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboards import drilldown, kpis
from dashboards.measures import Scope
from dashboards.selectors import Report


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Any]
    rows: list[list[Any]]
    links: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    # Each row's figures with their state, when the table shows KPIs (scorecards).
    cells: list[list[dict[str, Any]]] = field(default_factory=list)

    @property
    def scored_lines(self) -> list[tuple[list[Any], str, list[dict[str, Any]]]]:
        """Each row with its link and its figures' states."""
        return list(zip(self.rows, self.links, self.cells, strict=True))

    @property
    def chart_id(self) -> str:
        """The id of the chart data's <script type="application/json"> element."""
        return f"chart-data-{self.key}"

    @property
    def lines(self) -> list[tuple[list[Any], str]]:
        """Each row with its drill-down link ('' for none)."""
        links = self.links or [""] * len(self.rows)
        return list(zip(self.rows, links, strict=True))


def format_value(kind: str, value: Any) -> str:
    """A KPI value for reading: rates as percentages (small ones with four significant
    digits, so a 1-in-100,000 ceiling reads 0.001 %), hours and days with one decimal."""
    if value is None:
        return "—"
    if kind == "rate":
        percent = value * 100
        text = f"{percent:.2f}" if percent >= 1 or percent == 0 else f"{percent:.4g}"
        return f"{text} %"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": f"{value:.1f}"}
    if kind == "days":
        return _("%(days)s d") % {"days": f"{value:.1f}"}
    if kind == "score":
        return f"{value:.2f}"
    if kind == "nps":
        return f"{value:.0f}"
    return f"{value:,}"


def _status(value: kpis.KpiValue) -> Any:
    if value.value is None:
        return _("no data")
    if value.breached:
        return _("breached")
    if value.on_target is False:
        return _("below target") if value.kpi.higher_is_better else _("above target")
    return _("within limit")


def kpi_table(report: Report, group: str) -> Table:
    """The KPIs of a dashboard group with their value, target, limit, status and counts."""
    rows, links = [], []
    for value in report.group(group):
        kind = value.kpi.kind
        rows.append(
            [
                value.kpi.label,
                format_value(kind, value.value),
                format_value(kind, value.target),
                format_value(kind, value.ceiling),
                _status(value),
                "" if value.numerator is None else value.numerator,
                "" if value.denominator is None else value.denominator,
            ]
        )
        links.append(drilldown.url_for(value.kpi.drill, report.scope))
    return Table(
        key=f"kpis-{group}",
        title=kpis.GROUPS[group],
        columns=[
            _("KPI"),
            _("Value"),
            _("Target"),
            _("Limit"),
            _("Status"),
            _("Numerator"),
            _("Denominator"),
        ],  # fmt: skip
        rows=rows,
        links=links,
    )


def on_time_table(report: Report) -> Table:
    values = [report.values[f"on_time_rate.{clock}"] for clock in _CLOCKS]
    return Table(
        key="on-time",
        title=_("On-time rate per clock"),
        columns=[
            _("Clock"),
            _("On time"),
            pgettext_lazy("number of cases", "Due"),
            _("Rate"),
            _("Limit"),
        ],
        rows=[
            [
                v.kpi.label,
                v.numerator,
                v.denominator,
                format_value("rate", v.value),
                format_value("rate", v.ceiling),
            ]
            for v in values
        ],  # fmt: skip
        links=[drilldown.url_for(v.kpi.drill, report.scope) for v in values],
        chart={
            "type": "bar",
            "labels": [str(v.kpi.label) for v in values],
            "datasets": [
                {
                    "label": str(_("On-time rate (%)")),
                    "data": [
                        round(v.value * 100, 2) if v.value is not None else None
                        for v in values
                    ],
                },
                {
                    "label": str(_("Limit (%)")),
                    "data": [
                        round(v.ceiling * 100, 2) if v.ceiling is not None else None
                        for v in values
                    ],
                    "type": "line",
                },
            ],  # fmt: skip
            "max": 100,
        },
    )


_CLOCKS = ("acknowledge", "first_contact", "onsite", "resolve")
AGE_LABELS = {
    "0_1d": _("under 1 day"),
    "1_3d": _("1–3 days"),
    "3_7d": _("3–7 days"),
    "7_30d": _("7–30 days"),
    "30d": _("over 30 days"),
}


def ageing_table(report: Report) -> Table:
    labels = [AGE_LABELS[key] for key in report.ageing]
    counts = list(report.ageing.values())
    return Table(
        key="ageing",
        title=_("Backlog by age"),
        columns=[_("Age"), _("Open cases")],
        rows=[[label, count] for label, count in zip(labels, counts, strict=True)],
        chart={
            "type": "bar",
            "labels": [str(label) for label in labels],
            "datasets": [{"label": str(_("Open cases")), "data": counts}],
        },
    )


def trend_table(trend: list[dict[str, Any]]) -> Table:
    return Table(
        key="trend",
        title=_("Satisfaction, CSAT and NPS trend"),
        columns=[
            _("Period"),
            _("Follow-ups completed"),
            _("Satisfaction rate"),
            _("CSAT (1–5)"),
            _("NPS"),
        ],  # fmt: skip
        rows=[
            [
                row["period"],
                row["completed"],
                format_value("rate", row["satisfaction_rate"]),
                format_value("score", row["csat"]),
                format_value("nps", row["nps"]),
            ]
            for row in trend
        ],  # fmt: skip
        chart={
            "type": "line",
            "labels": [row["period"] for row in trend],
            "datasets": [
                {
                    "label": str(_("Satisfaction rate (%)")),
                    "data": [
                        None
                        if row["satisfaction_rate"] is None
                        else round(row["satisfaction_rate"] * 100, 1)
                        for row in trend
                    ],
                },
                {
                    "label": str(_("CSAT × 20")),
                    "data": [
                        None if row["csat"] is None else round(row["csat"] * 20, 1)
                        for row in trend
                    ],
                },
                {"label": str(_("NPS")), "data": [row["nps"] for row in trend]},
            ],  # fmt: skip
        },
    )


def pareto_table(models: list[dict[str, Any]], scope: Scope) -> Table:
    rows, links = [], []
    for model in models:
        for fault in model["faults"]:
            rows.append(
                [model["model"], fault["fault_code"], fault["cases"],
                 format_value("rate", fault["share"]), format_value("rate", fault["cumulative"])]
            )  # fmt: skip
            links.append(
                drilldown.url_for(
                    "opened",
                    scope,
                    product_model=model["model_id"],
                    fault_code=fault["fault_code"],
                )  # fmt: skip
            )
    top = models[0] if models else None
    return Table(
        key="pareto",
        title=_("Fault codes per product model (Pareto)"),
        columns=[
            _("Product model"),
            _("Fault code"),
            _("Cases"),
            _("Share"),
            _("Cumulative share"),
        ],  # fmt: skip
        rows=rows,
        links=links,
        chart=None
        if top is None
        else {
            "type": "bar",
            "title": top["model"],
            "labels": [f["fault_code"] for f in top["faults"]],
            "datasets": [
                {"label": str(_("Cases")), "data": [f["cases"] for f in top["faults"]]},
                {
                    "label": str(_("Cumulative share (%)")),
                    "type": "line",
                    "yAxisID": "y2",
                    "data": [round(f["cumulative"] * 100, 1) for f in top["faults"]],
                },
            ],  # fmt: skip
        },
    )


def recourse_table(parties: list[dict[str, Any]]) -> Table:
    rows = [
        [p["party"], p["paid"], p["claimed"], p["recovered"],
         format_value("rate", (float(p["recovered"]) / float(p["claimed"]))
                      if p["claimed"] else None)]
        for p in parties
    ]  # fmt: skip
    return Table(
        key="recourse",
        title=_("Recourse per party: paid and recovered (CNY)"),
        columns=[
            _("Party"),
            _("Compensation paid"),
            _("Claimed"),
            _("Recovered"),
            _("Recovery rate"),
        ],  # fmt: skip
        rows=rows,
        chart={
            "type": "bar",
            "labels": [p["party"] for p in parties],
            "datasets": [
                {
                    "label": str(_("Compensation paid")),
                    "data": [float(p["paid"]) for p in parties],
                },
                {
                    "label": str(_("Recovered")),
                    "data": [float(p["recovered"]) for p in parties],
                },
            ],  # fmt: skip
        },
    )


def dashboard_tables(
    report: Report,
    *,
    trend: list[dict[str, Any]],
    models: list[dict[str, Any]],
    parties: list[dict[str, Any]],
) -> dict[str, Table]:
    """Every table of the dashboard, by key (the export's `table` parameter)."""
    tables = [kpi_table(report, group) for group in kpis.GROUPS]
    tables += [
        on_time_table(report),
        ageing_table(report),
        trend_table(trend),
        pareto_table(models, report.scope),
        recourse_table(parties),
    ]
    return {table.key: table for table in tables}


# The scorecard page's columns (the export has every KPI).
SCORECARD_KPIS = (
    "complaint_rate", "omission_rate", "dissatisfaction_rate", "on_time_rate.acknowledge",
    "on_time_rate.resolve", "first_response_median_hours", "resolution_median_hours",
    "first_time_fix_rate", "reopen_rate", "followup_rate", "satisfaction_rate", "backlog",
)  # fmt: skip


def scorecard_table(
    people, reports: dict[int, Report], *, full: bool = False, query=None
) -> Table:
    """One row per person: their KPIs (the page's selection, or every KPI). `query`:
    the filters (a QueryDict without `user`) each row's link to the dashboard keeps;
    None: no links."""
    keys = [kpi.key for kpi in kpis.CATALOGUE] if full else list(SCORECARD_KPIS)
    rows, links, cells = [], [], []
    for person in people:
        report = reports[person.pk]
        values = [report.values[key] for key in keys]
        rows.append([person.name, *(format_value(v.kpi.kind, v.value) for v in values)])
        cells.append(
            [
                {"text": format_value(v.kpi.kind, v.value), "breached": v.breached}
                for v in values
            ]
        )
        if query is None:
            links.append("")
        else:
            filters = query.copy()
            filters["user"] = str(person.pk)
            links.append(f"{reverse('dashboard')}?{filters.urlencode()}")
    return Table(
        key="scorecards",
        title=_("Staff scorecards"),
        columns=[_("Person"), *(kpis.BY_KEY[key].label for key in keys)],
        rows=rows,
        links=links,
        cells=cells,
    )
