"""Service-standard parameters: the schema (every field with its explanation), the defaults
of the seeded company standard, validation against the linked legal rule set, and a readable
diff between two versions. Pure Python: no database access.

The vocabulary that standards measure against (case types, channels, priorities, KPI keys)
lives here, in the lowest layer, so tickets and feedback use the same words.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from standards.legal_data import CONSUMER_DEFAULTS, HOUSEHOLD_DEFAULTS

# --- Vocabulary ---------------------------------------------------------------------------------


class CaseType(models.TextChoices):
    """Kinds of after-sales case (domain §6)."""

    CONSULTATION = "consultation", _("Consultation")
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")


class Channel(models.TextChoices):
    """Where a case comes in (domain §6 `source`)."""

    COUNTER = "counter", _("Sales counter")
    HOTLINE = "hotline", _("Hotline")
    PORTAL = "portal", _("Customer portal")
    EMAIL = "email", _("E-mail")
    DEALER = "dealer", _("Dealer")
    REGULATOR = "regulator", _("Regulator (12315)")
    ODR = "odr", _("Online dispute resolution")


class Priority(models.TextChoices):
    """Case priority; the SLA matrix has one column per priority."""

    P1 = "P1", _("P1 urgent")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 normal")


class ContactChannel(models.TextChoices):
    """Channels used to reach a customer (follow-ups, care)."""

    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")


class SurveyScale(models.TextChoices):
    """Scales of the follow-up questionnaire."""

    CSAT5 = "csat5", _("CSAT 1–5")
    NPS10 = "nps10", _("NPS 0–10")
    THREE_LEVEL = "three_level", _("Satisfied / neutral / dissatisfied (1–3)")


class ValidityBasis(models.TextChoices):
    """What starts a warranty (三包) validity period."""

    INVOICE = "invoice", _("Invoice date")
    DELIVERY = "delivery", _("Delivery date")
    INSTALLATION_ELSE_DELIVERY = (
        "installation_else_delivery",
        _("Installation, else delivery"),
    )


# A later start of validity is more favourable to the customer.
VALIDITY_BASIS_RANK = {
    ValidityBasis.INVOICE: 0,
    ValidityBasis.DELIVERY: 1,
    ValidityBasis.INSTALLATION_ELSE_DELIVERY: 2,
}


@dataclass(frozen=True)
class KpiDefinition:
    """A KPI the standard sets a target or ceiling for (domain §8). `kind` is what its value
    measures: a rate (0–1), hours or days, a CSAT score (1–5), an NPS (−100 to 100) or a
    count; the dashboards compute it (dashboards.kpis)."""

    key: str
    label: Any
    higher_is_better: bool
    kind: str = "rate"


KPI_DEFINITIONS = [
    KpiDefinition("complaint_rate", _("Complaint rate"), higher_is_better=False),
    KpiDefinition("omission_rate", _("Omission rate"), higher_is_better=False),
    KpiDefinition(
        "dissatisfaction_rate", _("Dissatisfaction rate"), higher_is_better=False
    ),
    KpiDefinition("followup_rate", _("Follow-up rate"), higher_is_better=True),
    KpiDefinition(
        "followup_timeliness", _("Follow-ups on time"), higher_is_better=True
    ),
    KpiDefinition("satisfaction_rate", _("Satisfaction rate"), higher_is_better=True),
    KpiDefinition("csat", _("CSAT (1–5)"), higher_is_better=True, kind="score"),
    KpiDefinition("nps", _("NPS"), higher_is_better=True, kind="nps"),
    KpiDefinition(
        "first_time_fix_rate", _("First-time-fix rate"), higher_is_better=True
    ),
    KpiDefinition(
        "repeat_repair_rate_30",
        _("Repeat repairs within 30 days"),
        higher_is_better=False,
    ),
    KpiDefinition(
        "repeat_repair_rate_90",
        _("Repeat repairs within 90 days"),
        higher_is_better=False,
    ),
    KpiDefinition(
        "on_time_acknowledge", _("On-time acknowledgement"), higher_is_better=True
    ),
    KpiDefinition(
        "on_time_first_contact", _("On-time first contact"), higher_is_better=True
    ),
    KpiDefinition("on_time_onsite", _("On-time on site"), higher_is_better=True),
    KpiDefinition("on_time_resolve", _("On-time resolution"), higher_is_better=True),
    KpiDefinition(
        "first_response_median_hours",
        _("First response, median"),
        higher_is_better=False,
        kind="hours",
    ),  # fmt: skip
    KpiDefinition(
        "first_response_p90_hours",
        _("First response, 90th percentile"),
        higher_is_better=False,
        kind="hours",
    ),  # fmt: skip
    KpiDefinition(
        "resolution_median_hours",
        _("Resolution time, median"),
        higher_is_better=False,
        kind="hours",
    ),  # fmt: skip
    KpiDefinition(
        "resolution_p90_hours",
        _("Resolution time, 90th percentile"),
        higher_is_better=False,
        kind="hours",
    ),  # fmt: skip
    KpiDefinition("backlog", _("Backlog"), higher_is_better=False, kind="count"),
    KpiDefinition("reopen_rate", _("Reopen rate"), higher_is_better=False),
    KpiDefinition(
        "handover_acceptance_hours",
        _("Handover acceptance time"),
        higher_is_better=False,
        kind="hours",
    ),  # fmt: skip
    KpiDefinition(
        "handover_bounce_rate", _("Handover bounce rate"), higher_is_better=False
    ),
    KpiDefinition(
        "sanbao_exceptions", _("三包 exceptions"), higher_is_better=False, kind="count"
    ),
    KpiDefinition(
        "recourse_recovery_rate", _("Recourse recovery rate"), higher_is_better=True
    ),
    KpiDefinition(
        "recourse_cycle_days",
        _("Recourse cycle time"),
        higher_is_better=False,
        kind="days",
    ),  # fmt: skip
    KpiDefinition(
        "feedback_on_time_rate", _("Feedback answered on time"), higher_is_better=True
    ),
    KpiDefinition(
        "improvement_on_time_rate",
        _("Improvement actions closed on time"),
        higher_is_better=True,
    ),  # fmt: skip
    KpiDefinition(
        "improvement_actions_open",
        _("Improvement actions open"),
        higher_is_better=False,
        kind="count",
    ),  # fmt: skip
    KpiDefinition(
        "review_on_time_rate", _("Standard reviews on time"), higher_is_better=True
    ),
    KpiDefinition(
        "conduct_compliance_rate", _("Conduct compliance"), higher_is_better=True
    ),
]
# What a target or ceiling of each kind may be, and how it is explained.
KPI_KIND_BOUNDS = {
    "rate": (Decimal(0), Decimal(1)),
    "hours": (Decimal(0), Decimal(100000)),
    "days": (Decimal(0), Decimal(3650)),
    "score": (Decimal(1), Decimal(5)),
    "nps": (Decimal(-100), Decimal(100)),
    "count": (Decimal(0), Decimal(1000000000)),
}
KPI_BY_KEY = {kpi.key: kpi for kpi in KPI_DEFINITIONS}

# --- Schema -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One parameter of a service standard.

    `legal_key` names the legal rule set value it is checked against; `legal_bound` says how:
    "min" (the law's value is the least the standard may give, e.g. a return window), "max"
    (the most it may demand, e.g. failed repairs before an exchange) or "rank" (validity
    basis, ordered by VALIDITY_BASIS_RANK).
    """

    path: str
    label: Any
    help: Any
    kind: str  # hours | days | months | count | rate | number | bool | choice | time | list | text
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    legal_key: str = ""
    legal_bound: str = ""
    required: bool = True
    group: str = ""


_KPI_FIELD_KIND = {
    "rate": "rate", "hours": "hours", "days": "days", "score": "number", "nps": "number",
    "count": "count",
}  # fmt: skip
_KPI_TARGET_HELP = {
    "rate": _(
        "A rate between 0 and 1 (the classic three-controls ceiling is 0.00001)."
    ),
    "hours": _("Business hours."),
    "days": _("Days."),
    "score": _("An average score from 1 to 5."),
    "nps": _("A net promoter score from −100 to 100."),
    "count": _("A number of items."),
}


def _priority_fields(clock: str, label: Any, help_text: Any) -> list[Field]:
    return [
        Field(
            f"sla.{clock}.{priority.value}",
            label,
            help_text,
            "hours",
            Decimal("0.25"),
            Decimal("2000"),
            group=f"sla.{clock}",
        )
        for priority in Priority
    ]


SCHEMA: list[Field] = [
    Field("scope.category", _("Product category"), _("Leave empty for every category."),
          "text", required=False, group="scope"),
    Field("scope.channel", _("Channel"), _("Leave empty for every channel."), "choice",
          choices=tuple(Channel.choices), required=False, group="scope"),
    Field("scope.unit", _("Unit code"),
          _("Leave empty for the whole company; a unit's code limits the standard to that "
            "unit and the units below it."), "text", required=False, group="scope"),
    *_priority_fields("acknowledge", _("Acknowledge within (hours)"),
                      _("From receipt until an accountable person has acknowledged the case.")),
    *_priority_fields("first_contact", _("First contact within (hours)"),
                      _("From receipt until the customer has been contacted about the case.")),
    *_priority_fields("resolve", _("Resolve within (hours)"),
                      _("From receipt until the case is resolved (not closed).")),
    Field("sla.onsite.urban", _("On site, urban (hours)"),
          _("From receipt until a technician is on site in an urban area."), "hours",
          Decimal("0.5"), Decimal("2000"), group="sla.onsite"),
    Field("sla.onsite.rural", _("On site, rural (hours)"),
          _("From receipt until a technician is on site in a rural area."), "hours",
          Decimal("0.5"), Decimal("2000"), group="sla.onsite"),
    Field("sla.handover_acceptance_hours", _("Handover acceptance (hours)"),
          _("A handover not accepted within this time escalates to the receiving supervisor."),
          "hours", Decimal("0.25"), Decimal("720"), group="sla"),
    Field("sla.business_hours", _("Count in business hours"),
          _("On: clocks run only in the unit's working hours and days. Off: calendar hours."),
          "bool", group="sla"),
    Field("entitlement.legal_rule_set", _("Legal rule set"),
          _("The law this standard must be at least as generous as."), "choice",
          group="entitlement"),
    Field("entitlement.return_window_days", _("Return window (days)"),
          _("A performance fault within this many days lets the customer choose return, "
            "exchange or repair."), "days", Decimal(0), Decimal(365),
          legal_key="return_window_days", legal_bound="min", group="entitlement"),
    Field("entitlement.exchange_window_days", _("Exchange window (days)"),
          _("A performance fault within this many days lets the customer choose exchange or "
            "repair."), "days", Decimal(0), Decimal(365),
          legal_key="exchange_window_days", legal_bound="min", group="entitlement"),
    Field("entitlement.repeat_repair_threshold", _("Failed repairs before exchange"),
          _("After this many failed repairs within validity the customer may have a free "
            "exchange or return."), "count", Decimal(1), Decimal(10),
          legal_key="repeat_repair_threshold", legal_bound="max", group="entitlement"),
    Field("entitlement.repairer_fault_max_repair_days", _("Repair days before the repairer "
          "exchanges"), _("A repair delayed this long by the repairer's own fault is "
          "exchanged at the repairer's cost."), "days", Decimal(1), Decimal(365),
          legal_key="repairer_fault_max_repair_days", legal_bound="max", group="entitlement"),
    Field("entitlement.parts_wait_max_days", _("Days waiting for parts before exchange"),
          _("Parts not supplied this many days after hand-in mean a free exchange."), "days",
          Decimal(1), Decimal(365), legal_key="parts_wait_max_days", legal_bound="max",
          group="entitlement"),
    Field("entitlement.validity_start_basis", _("Validity starts at"),
          _("Which date starts the 三包 validity period."), "choice",
          choices=tuple(ValidityBasis.choices), legal_key="validity_start_basis",
          legal_bound="rank", group="entitlement"),
    Field("entitlement.no_reason_return_days", _("No-reason return (days)"),
          _("Distance sales: days after receipt in which goods may be returned without a "
            "reason."), "days", Decimal(0), Decimal(365), legal_key="no_reason_return_days",
          legal_bound="min", group="entitlement"),
    Field("entitlement.burden_shift_months", _("Burden of proof on the business (months)"),
          _("A defect of a durable good found within this many months is presumed the "
            "business's to disprove."), "months", Decimal(0), Decimal(60),
          legal_key="burden_shift_months", legal_bound="min", group="entitlement"),
    Field("followup.opens_after_hours", _("Follow-up window opens (hours after resolution)"),
          _("Too early and the customer has not yet tried the product again."), "hours",
          Decimal(0), Decimal(720), group="followup"),
    Field("followup.closes_after_hours", _("Follow-up window closes (hours after resolution)"),
          _("A follow-up after this is late and counts against timeliness."), "hours",
          Decimal("0.5"), Decimal(2160), group="followup"),
    *[
        Field(f"followup.coverage.{case_type.value}",
              format_lazy("{}: {}", _("Follow-up coverage"), case_type.label),
              _("Share of resolved cases of this type that get a follow-up (0–1; 1 = all)."),
              "rate", Decimal(0), Decimal(1), group="followup.coverage")
        for case_type in CaseType
    ],
    Field("followup.max_attempts", _("Attempts before unreachable"),
          _("After this many unanswered attempts the follow-up is marked unreachable."),
          "count", Decimal(1), Decimal(20), group="followup"),
    Field("followup.channels", _("Channel order"),
          _("Channels tried in order, comma-separated (phone, sms, email, wechat)."), "list",
          choices=tuple(ContactChannel.choices), group="followup"),
    Field("followup.quiet_hours.start", _("Quiet hours start"),
          _("No calls or messages from this time …"), "time", group="followup.quiet_hours"),
    Field("followup.quiet_hours.end", _("Quiet hours end"), _("… until this time."), "time",
          group="followup.quiet_hours"),
    Field("followup.scale", _("Survey scale"), _("How satisfaction is asked."), "choice",
          choices=tuple(SurveyScale.choices), group="followup"),
    Field("followup.dissatisfied_at_or_below", _("Dissatisfied at or below"),
          _("A score at or below this reopens the case (e.g. 2 on CSAT 1–5)."), "count",
          Decimal(0), Decimal(10), group="followup"),
    Field("followup.reopen_window_days", _("Reopen window (days)"),
          _("The same fault returning within this many days after closing reopens the case."),
          "days", Decimal(0), Decimal(365), group="followup"),
    Field("followup.qa_sample_rate", _("QA re-call sample rate"),
          _("Share of completed follow-ups that QA calls again (0–1; 0.05 = 5%)."), "rate",
          Decimal(0), Decimal(1), group="followup"),
    *[
        field
        for kpi in KPI_DEFINITIONS
        for field in (
            Field(f"kpi.{kpi.key}.target", format_lazy("{}: {}", kpi.label, _("target")),
                  _KPI_TARGET_HELP[kpi.kind], _KPI_FIELD_KIND[kpi.kind],
                  *KPI_KIND_BOUNDS[kpi.kind], required=False, group="kpi"),
            Field(f"kpi.{kpi.key}.ceiling", format_lazy("{}: {}", kpi.label, _("limit")),
                  format_lazy("{} {}", _("Crossing it marks the KPI red and opens an "
                                         "improvement action."), _KPI_TARGET_HELP[kpi.kind]),
                  _KPI_FIELD_KIND[kpi.kind], *KPI_KIND_BOUNDS[kpi.kind], required=False,
                  group="kpi"),
        )
    ],
    Field("conduct_checklist", _("On-site conduct checklist"),
          _("One item a line; shown on the visit form and checked in the follow-up."), "list",
          group="conduct"),
]  # fmt: skip
SCHEMA_BY_PATH = {field.path: field for field in SCHEMA}

DEFAULT_CONDUCT_CHECKLIST = [
    "Show staff ID",
    "Explain the open fee schedule",
    "Wear shoe covers",
    "Lay a floor cloth",
    "Clean up the site",
    "Demonstrate the product works",
]

# Haier-style commitments of the seeded company standard (issue: standards).
DEFAULT_SERVICE_PARAMETERS: dict[str, Any] = {
    "scope": {"category": "", "channel": "", "unit": ""},
    "sla": {
        "acknowledge": {"P1": 0.5, "P2": 2, "P3": 24},
        "first_contact": {"P1": 1, "P2": 4, "P3": 24},
        "onsite": {"urban": 24, "rural": 72},
        "resolve": {"P1": 48, "P2": 72, "P3": 168},
        "handover_acceptance_hours": 4,
        "business_hours": False,
    },
    "entitlement": {
        "legal_rule_set": "cn-consumer-regulation-2024",
        # The law's values (standards.legal_data.LEGAL_DEFAULTS): the company standard gives
        # exactly what the 2024 regulation gives, never less.
        "return_window_days": HOUSEHOLD_DEFAULTS["return_window_days"],
        "exchange_window_days": HOUSEHOLD_DEFAULTS["exchange_window_days"],
        "repeat_repair_threshold": HOUSEHOLD_DEFAULTS["repeat_repair_threshold"],
        "repairer_fault_max_repair_days": HOUSEHOLD_DEFAULTS[
            "repairer_fault_max_repair_days"
        ],
        "parts_wait_max_days": HOUSEHOLD_DEFAULTS["parts_wait_max_days"],
        "validity_start_basis": "installation_else_delivery",
        "no_reason_return_days": CONSUMER_DEFAULTS["no_reason_return_days"],
        "burden_shift_months": CONSUMER_DEFAULTS["burden_shift_months"],
    },
    "followup": {
        "opens_after_hours": 3,
        "closes_after_hours": 72,
        "coverage": {
            "consultation": 0,
            "repair": 1,
            "installation": 1,
            "return": 1,
            "exchange": 1,
            "complaint": 1,
            "suggestion": 0,
        },
        "max_attempts": 3,
        "channels": ["phone", "sms"],
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "scale": "csat5",
        "dissatisfied_at_or_below": 2,
        "reopen_window_days": 30,
        "qa_sample_rate": 0.05,
    },
    "kpi": {
        "complaint_rate": {"ceiling": 0.00001},
        "omission_rate": {"ceiling": 0.00001},
        "dissatisfaction_rate": {"ceiling": 0.00001},
        "followup_rate": {"target": 1.0, "ceiling": 0.95},
        "satisfaction_rate": {"target": 0.98, "ceiling": 0.95},
        "first_time_fix_rate": {"target": 0.9, "ceiling": 0.8},
        "on_time_acknowledge": {"target": 0.98, "ceiling": 0.95},
        "on_time_resolve": {"target": 0.95, "ceiling": 0.9},
        "reopen_rate": {"target": 0.02, "ceiling": 0.05},
        "recourse_recovery_rate": {"target": 0.9, "ceiling": 0.7},
        "followup_timeliness": {"target": 0.95, "ceiling": 0.9},
        "csat": {"target": 4.5, "ceiling": 4.0},
        "nps": {"target": 50, "ceiling": 30},
        "repeat_repair_rate_30": {"target": 0.02, "ceiling": 0.05},
        "repeat_repair_rate_90": {"target": 0.05, "ceiling": 0.1},
        "on_time_first_contact": {"target": 0.95, "ceiling": 0.9},
        "on_time_onsite": {"target": 0.95, "ceiling": 0.9},
        "first_response_median_hours": {"target": 1, "ceiling": 4},
        "first_response_p90_hours": {"target": 4, "ceiling": 8},
        "resolution_median_hours": {"target": 16, "ceiling": 40},
        "resolution_p90_hours": {"target": 40, "ceiling": 80},
        "handover_acceptance_hours": {"target": 2, "ceiling": 4},
        "handover_bounce_rate": {"target": 0.05, "ceiling": 0.1},
        "recourse_cycle_days": {"target": 60, "ceiling": 90},
        "feedback_on_time_rate": {"target": 0.95, "ceiling": 0.9},
        "improvement_on_time_rate": {"target": 0.9, "ceiling": 0.8},
        "review_on_time_rate": {"target": 1.0, "ceiling": 0.9},
        "conduct_compliance_rate": {"target": 0.98, "ceiling": 0.95},
    },
    "conduct_checklist": DEFAULT_CONDUCT_CHECKLIST,
}

# --- Access -------------------------------------------------------------------------------------

_MISSING = object()
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def get_path(parameters: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at a dotted path ("sla.resolve.P1"), or `default`."""
    node: Any = parameters
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def set_path(parameters: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path, creating the dictionaries on the way."""
    *parents, last = path.split(".")
    node = parameters
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A new dictionary: `base` with `changes` laid over it, dictionaries merged key by key
    (lists replaced). Neither argument is changed or shared with the result."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def flatten(parameters: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{dotted path: leaf value}; lists are leaves."""
    flat: dict[str, Any] = {}
    for key, value in parameters.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


# --- Validation ---------------------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _check_field(field: Field, value: Any, legal_codes: set[str]) -> str | None:
    """The message for one value that does not fit its field, else None."""
    if value is None or value == "" or value == []:
        return str(_("This value is required.")) if field.required else None
    if field.kind in {"hours", "days", "months", "count", "rate", "number"}:
        number = _number(value)
        if number is None:
            return str(_("Enter a number."))
        if (
            field.kind in {"days", "months", "count"}
            and number != number.to_integral_value()
        ):
            return str(_("Enter a whole number."))
        if field.minimum is not None and number < field.minimum:
            return str(_("Must be at least %(min)s.") % {"min": field.minimum})
        if field.maximum is not None and number > field.maximum:
            return str(_("Must be at most %(max)s.") % {"max": field.maximum})
    elif field.kind == "bool":
        if not isinstance(value, bool):
            return str(_("Must be true or false."))
    elif field.kind == "choice":
        allowed = {code for code, _label in field.choices} or legal_codes
        if value not in allowed:
            return str(
                _("“%(value)s” is not one of the allowed choices.") % {"value": value}
            )
    elif field.kind == "time":
        if not isinstance(value, str) or not _TIME.match(value):
            return str(_("Enter a time as HH:MM."))
    elif field.kind == "list":
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v for v in value
        ):
            return str(_("Enter a list of texts."))
        allowed = {code for code, _label in field.choices}
        if allowed and (unknown := [v for v in value if v not in allowed]):
            return str(
                _("Unknown choices: %(values)s.") % {"values": ", ".join(unknown)}
            )
    elif field.kind == "text" and not isinstance(value, str):
        return str(_("Enter a text."))
    return None


def _check_legal(field: Field, value: Any, legal: Mapping[str, Any]) -> str | None:
    """The message when `value` is looser than the legal rule set, else None."""
    legal_value = get_path(legal.get("parameters", {}), field.legal_key, _MISSING)
    if legal_value is _MISSING or legal_value is None:
        return None
    if field.legal_bound == "rank":
        looser = VALIDITY_BASIS_RANK.get(value, -1) < VALIDITY_BASIS_RANK.get(
            legal_value, -1
        )
        shown = (
            ValidityBasis(legal_value).label
            if legal_value in ValidityBasis.values
            else ""
        )
    else:
        number, legal_number = _number(value), _number(legal_value)
        if number is None or legal_number is None:
            return None
        looser = (
            number < legal_number
            if field.legal_bound == "min"
            else number > legal_number
        )
        shown = legal_value
    if not looser:
        return None
    citation = legal.get("citations", {}).get(field.legal_key, "")
    return str(
        _("Looser than the law: %(law)s gives %(legal)s (%(citation)s); a standard may be "
          "stricter, never looser.")
        % {"law": legal.get("name", ""), "legal": shown, "citation": citation or "—"}
    )  # fmt: skip


def validate_service_parameters(
    parameters: Any, *, legal_rule_sets: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[str]]:
    """Check service-standard parameters; returns {dotted path: [messages]} (empty: valid).

    `legal_rule_sets` maps each active rule set code to {"name", "parameters", "citations"};
    the set named in `entitlement.legal_rule_set` is the yardstick (domain §4: stricter than
    the law is allowed, looser is refused, naming the law and the legal value).
    """
    if not isinstance(parameters, Mapping):
        return {"parameters": [str(_("Parameters must be an object."))]}
    errors: dict[str, list[str]] = {}
    codes = set(legal_rule_sets)
    for field in SCHEMA:
        message = _check_field(field, get_path(parameters, field.path), codes)
        if message:
            errors.setdefault(field.path, []).append(message)
    legal = legal_rule_sets.get(get_path(parameters, "entitlement.legal_rule_set"))
    if legal:
        for field in SCHEMA:
            if field.legal_key and field.path not in errors:
                message = _check_legal(field, get_path(parameters, field.path), legal)
                if message:
                    errors.setdefault(field.path, []).append(message)
    opens = _number(get_path(parameters, "followup.opens_after_hours"))
    closes = _number(get_path(parameters, "followup.closes_after_hours"))
    if opens is not None and closes is not None and closes <= opens:
        errors.setdefault("followup.closes_after_hours", []).append(
            str(_("The window must close after it opens."))
        )
    return errors


# --- Diff ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One parameter that differs between two versions."""

    path: str
    label: Any
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        """added, removed or changed."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def diff_parameters(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every parameter whose value differs, in schema order, then unknown paths by name."""
    old_flat, new_flat = flatten(old or {}), flatten(new or {})
    order = {field.path: index for index, field in enumerate(SCHEMA)}
    paths = sorted(
        set(old_flat) | set(new_flat), key=lambda p: (order.get(p, len(order)), p)
    )
    return [
        Change(
            path,
            SCHEMA_BY_PATH[path].label if path in SCHEMA_BY_PATH else path,
            old_flat.get(path),
            new_flat.get(path),
        )
        for path in paths
        if old_flat.get(path) != new_flat.get(path)
    ]
