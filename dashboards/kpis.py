"""The KPI catalogue (domain §8): each KPI's key, the counters it divides, how its value is
formed, its place on the dashboard and its formula; and the value of a KPI against the
target and ceiling of the service standard in force. Pure Python (the counters come from
`dashboards.measures`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from standards.parameters import KPI_BY_KEY, get_path

# How a value is formed from its counters.
RATIO = "ratio"  # numerator ÷ denominator
MEAN = "mean"  # a sum ÷ how many (hours, days, a score)
PERCENT_BALANCE = "balance"  # (numerator ÷ denominator) × 100 (NPS)
VALUE = "value"  # the counter itself (a percentile); denominator: how many it ranks
COUNT = "count"  # a number of items; no denominator

GROUPS = {
    "controls": _("Three controls"),
    "clocks": _("Clocks and times"),
    "work": _("Work"),
    "voice": _("Follow-ups and the customer's voice"),
    "quality": _("Quality and 三包"),
    "recourse": _("Recourse"),
    "system": _("Standards and improvement"),
}


@dataclass(frozen=True)
class Kpi:
    """One KPI: `key` in the API (`on_time_rate.acknowledge` is nested), `standard_key` in
    the standard's `kpi` parameters, the counters of `dashboards.measures` it reads."""

    key: str
    standard_key: str
    group: str
    form: str
    numerator: str
    denominator: str | None
    formula: Any
    drill: str = ""  # a drill-down of dashboards.drilldown

    @property
    def definition(self):
        return KPI_BY_KEY[self.standard_key]

    @property
    def label(self):
        return self.definition.label

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def higher_is_better(self) -> bool:
        return self.definition.higher_is_better


def _clock(clock: str, label: Any) -> Kpi:
    return Kpi(
        f"on_time_rate.{clock}", f"on_time_{clock}", "clocks", RATIO, f"{clock}_met",
        f"{clock}_due",
        format_lazy(_("Cases opened in the period whose {clock} clock has come due, met "
                      "by its due time ÷ those cases."), clock=label),
        drill=f"clock_missed:{clock}",
    )  # fmt: skip


CATALOGUE: tuple[Kpi, ...] = (
    Kpi("complaint_rate", "complaint_rate", "controls", RATIO, "complaints", "in_service",
        _("Complaint cases opened in the period ÷ products in service (owned products "
          "delivered on or before the period's last day)."), drill="complaints"),
    Kpi("omission_rate", "omission_rate", "controls", RATIO, "omissions", "contacts",
        _("(Contacts without a disposition + cases not acknowledged by their acknowledge "
          "due time + follow-ups ended unreachable or left open past their window) ÷ "
          "contacts from customers in the period."), drill="clock_missed:acknowledge"),
    Kpi("dissatisfaction_rate", "dissatisfaction_rate", "controls", RATIO, "dissatisfied",
        "completed",
        _("Follow-ups of cases completed in the period with the result dissatisfied ÷ "
          "follow-ups of cases completed in the period."), drill="followups:dissatisfied"),
    _clock("acknowledge", _("acknowledge")),
    _clock("first_contact", _("first contact")),
    _clock("onsite", _("on-site")),
    _clock("resolve", _("resolve")),
    Kpi("first_response_median_hours", "first_response_median_hours", "clocks", VALUE,
        "first_response_median", "responded",
        _("Median business hours from opening to acknowledgement, of the cases opened in "
          "the period (nearest rank)."), drill="opened"),
    Kpi("first_response_p90_hours", "first_response_p90_hours", "clocks", VALUE,
        "first_response_p90", "responded",
        _("90th percentile (nearest rank) of the business hours from opening to "
          "acknowledgement, cases opened in the period."), drill="opened"),
    Kpi("resolution_median_hours", "resolution_median_hours", "clocks", VALUE,
        "resolution_median", "timed",
        _("Median business hours from opening to the latest resolution, of the cases "
          "resolved in the period (nearest rank)."), drill="resolved"),
    Kpi("resolution_p90_hours", "resolution_p90_hours", "clocks", VALUE,
        "resolution_p90", "timed",
        _("90th percentile (nearest rank) of the business hours from opening to "
          "resolution, cases resolved in the period."), drill="resolved"),
    Kpi("backlog", "backlog", "work", COUNT, "backlog", None,
        _("Cases open now (a past period: opened before its end and not resolved by then; "
          "cancelled and duplicates left out)."), drill="backlog"),
    Kpi("reopen_rate", "reopen_rate", "work", RATIO, "reopened", "resolved",
        _("Cases resolved in the period that were reopened at least once ÷ cases resolved "
          "in the period."), drill="reopened"),
    Kpi("handover_acceptance_hours", "handover_acceptance_hours", "work", MEAN,
        "waited_hours", "accepted",
        _("Mean hours from request to acceptance, of the handovers accepted in the "
          "period.")),
    Kpi("handover_bounce_rate", "handover_bounce_rate", "work", RATIO, "bounced", "decided",
        _("Handovers rejected or expired in the period ÷ handovers decided in the "
          "period.")),
    Kpi("followup_rate", "followup_rate", "voice", RATIO, "done", "due",
        _("Follow-ups due in the period that were completed ÷ follow-ups due in the period "
          "(cancelled ones left out)."), drill="followups:due"),
    Kpi("followup_timeliness", "followup_timeliness", "voice", RATIO, "done_on_time",
        "done",
        _("Follow-ups due in the period completed inside their window ÷ those completed."),
        drill="followups:due"),
    Kpi("satisfaction_rate", "satisfaction_rate", "voice", RATIO, "satisfied", "completed",
        _("Follow-ups of cases completed in the period with the result satisfied ÷ those "
          "completed (unreachable never counts as satisfied)."),
        drill="followups:satisfied"),
    Kpi("csat", "csat", "voice", MEAN, "csat_points", "csat_answers",
        _("Mean score of the answers on the CSAT 1–5 scale, follow-ups completed in the "
          "period."), drill="followups:completed"),
    Kpi("nps", "nps", "voice", PERCENT_BALANCE, "nps_balance", "nps_answers",
        _("(Promoters 9–10 − detractors 0–6) ÷ answers on the NPS 0–10 scale × 100, "
          "follow-ups completed in the period."), drill="followups:completed"),
    Kpi("feedback_on_time_rate", "feedback_on_time_rate", "voice", RATIO,
        "feedback_on_time", "feedback_due",
        _("Feedback items whose reply fell due in the period answered by that day ÷ those "
          "items.")),
    Kpi("first_time_fix_rate", "first_time_fix_rate", "quality", RATIO, "fixed_first_time",
        "repairs_resolved",
        _("Repair cases resolved in the period, never reopened, with one repair record and "
          "one visit at most ÷ repair cases resolved in the period."),
        drill="resolved_repairs"),
    Kpi("repeat_repair_rate_30", "repeat_repair_rate_30", "quality", RATIO, "repeat_30",
        "repairs",
        _("Repair cases opened in the period for the same product and fault code as a "
          "repair case opened within 30 days before ÷ repair cases opened in the period."),
        drill="repairs"),
    Kpi("repeat_repair_rate_90", "repeat_repair_rate_90", "quality", RATIO, "repeat_90",
        "repairs",
        _("The same within 90 days ÷ repair cases opened in the period."), drill="repairs"),
    Kpi("sanbao_exceptions", "sanbao_exceptions", "quality", COUNT, "legal_exceptions", None,
        _("三包 exceptions recorded in the period: return, exchange or no-reason-return "
          "windows closing on a case still owed them, and repair-day limits (30/90 days, "
          "parts waits, vehicle limits) reached.")),
    Kpi("conduct_compliance_rate", "conduct_compliance_rate", "quality", RATIO,
        "conduct_met", "conduct_items",
        _("Conduct-checklist items done ÷ items asked, over the field visits of the "
          "period.")),
    Kpi("recourse_recovery_rate", "recourse_recovery_rate", "recourse", RATIO, "recovered",
        "claimed",
        _("Amount recovered ÷ amount claimed, recourse claims settled in the period."),
        drill="claims"),
    Kpi("recourse_cycle_days", "recourse_cycle_days", "recourse", MEAN, "cycle_days_total",
        "cycled",
        _("Mean days from submission to settlement, claims settled in the period."),
        drill="claims"),
    Kpi("improvement_on_time_rate", "improvement_on_time_rate", "system", RATIO,
        "actions_on_time", "actions_due",
        _("Improvement actions due in the period done by their due day ÷ those due.")),
    Kpi("improvement_actions_open", "improvement_actions_open", "system", COUNT,
        "actions_open", None, _("Improvement actions open at the end of the period.")),
    Kpi("review_on_time_rate", "review_on_time_rate", "system", RATIO, "reviews_on_time",
        "reviews_due",
        _("Standard versions in force whose review fell due in the period, with a later "
          "version approved by then ÷ those versions.")),
)  # fmt: skip
BY_KEY = {kpi.key: kpi for kpi in CATALOGUE}
CONTROLS = ("complaint_rate", "omission_rate", "dissatisfaction_rate")


def derive(counters: Mapping[str, Any]) -> dict[str, Any]:
    """The combined counters some KPIs divide (computed from the measured ones)."""
    derived = dict(counters)
    derived["omissions"] = (
        counters.get("undisposed", 0)
        + (counters.get("acknowledge_due", 0) - counters.get("acknowledge_met", 0))
        + counters.get("missed", 0)
    )
    derived["nps_balance"] = counters.get("promoters", 0) - counters.get(
        "detractors", 0
    )
    derived["legal_exceptions"] = counters.get("windows", 0) + counters.get("limits", 0)
    return derived


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(frozen=True)
class KpiValue:
    """A KPI measured for a scope, against the standard's target and ceiling."""

    kpi: Kpi
    value: float | None
    numerator: float | int | None
    denominator: float | int | None
    target: float | None
    ceiling: float | None

    @property
    def breached(self) -> bool:
        """Past the ceiling: above it, or below it for a KPI where higher is better."""
        if self.value is None or self.ceiling is None:
            return False
        if self.kpi.higher_is_better:
            return self.value < self.ceiling
        return self.value > self.ceiling

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        if self.kpi.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "ceiling": self.ceiling,
            "breached": self.breached,
        }


def _limit(parameters: Mapping[str, Any], kpi: Kpi, name: str) -> float | None:
    value = get_path(parameters, f"kpi.{kpi.standard_key}.{name}")
    return float(value) if isinstance(value, int | float | Decimal) else None


def measure(
    kpi: Kpi, counters: Mapping[str, Any], parameters: Mapping[str, Any]
) -> KpiValue:
    """The KPI's value from the counters (None when its denominator is 0)."""
    numerator = _number(counters.get(kpi.numerator))
    denominator = _number(counters.get(kpi.denominator)) if kpi.denominator else None
    if kpi.form == COUNT:
        value = numerator
    elif kpi.form == VALUE:
        value = numerator if denominator else None
        numerator = None
    elif not denominator:
        value = None
    else:
        value = float(numerator or 0) / float(denominator)
        if kpi.form == PERCENT_BALANCE:
            value *= 100
    if value is not None and kpi.kind != "count":
        value = round(float(value), 10 if kpi.kind == "rate" else 2)
    if isinstance(numerator, float):
        numerator = round(numerator, 2)
    return KpiValue(
        kpi=kpi,
        value=value,
        numerator=numerator,
        denominator=denominator,
        target=_limit(parameters, kpi, "target"),
        ceiling=_limit(parameters, kpi, "ceiling"),
    )


def nest(values: Mapping[str, KpiValue]) -> dict[str, Any]:
    """The API's shape: every KPI by key, dotted keys nested (`on_time_rate.acknowledge`)."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        head, _dot, tail = key.partition(".")
        if tail:
            result.setdefault(head, {})[tail] = value.as_dict()
        else:
            result[key] = value.as_dict()
    return result
