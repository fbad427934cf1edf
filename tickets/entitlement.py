"""The entitlement engine (domain §4, §6): what a customer is owed now — return, exchange,
repair, refund amount — with the reasons and legal citations. A pure function of the legal
rule set, the service standard's entitlement parameters (never looser than the law), the
product's history, the fault and the dates. No database access.

Days are counted like legal periods: the day of the trigger (receipt, start of validity)
is day 0, so "within 7 days" means up to and including the 7th day after it.

When neither the standard nor the rule set names a limit, the engine falls back on the one
table of legal defaults, `standards.legal_data.LEGAL_DEFAULTS` (`DEFAULTS` here is that very
object; `compute(..., defaults=...)` takes another table of the same shape). Household limits
come from its "household" section, the vehicle limits from its "vehicle" section. The
no-reason return and the burden of proof have no fallback: they apply only where the rule set
(or the standard) names them, as the 1995 provisions do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.validity import add_months
from standards.legal_data import LEGAL_DEFAULTS

RETURN = "return"
EXCHANGE = "exchange"
REPAIR = "repair"
PAID_REPAIR = "paid_repair"
SPARE_CAR = "spare_car"
NO_REASON_RETURN = "no_reason_return"

# Options ordered from most to least for the customer (offering less needs approval).
RANK = [RETURN, NO_REASON_RETURN, EXCHANGE, REPAIR, SPARE_CAR, PAID_REPAIR]

# The engine's fallbacks: the legal defaults table itself, never a copy.
DEFAULTS: Mapping[str, Mapping[str, int]] = LEGAL_DEFAULTS


@dataclass(frozen=True)
class Facts:
    """What the engine reasons about (gathered by the service from the case, the archive
    and the repair records)."""

    category: str
    report_date: date
    validity_start: date | None
    validity_end: date | None
    performance_fault: bool = True
    invoice_price: Decimal | None = None
    price_paid: Decimal | None = None
    is_distance_sale: bool = False
    received_date: date | None = None
    no_reason_exception: str = ""
    failed_repairs: int = 0
    parts_wait_days: int = 0
    repairer_fault_repair_days: int = 0
    cumulative_repair_days: int = 0
    same_problem_repairs: int = 0
    current_repair_days: int = 0


@dataclass
class Entitlement:
    """The options owed (best first), the refund amount, why, and on which legal basis."""

    options: list[str] = field(default_factory=list)
    refund_amount: Decimal | None = None
    reasons: list[str] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    burden_of_proof_on_business: bool = False
    exchange_cost_on_repairer: bool = False

    def add(self, options: list[str], reason: str, citation: str = "") -> None:
        for option in options:
            if option not in self.options:
                self.options.append(option)
        self.reasons.append(reason)
        if citation and citation not in self.basis:
            self.basis.append(citation)

    def as_snapshot(self) -> dict[str, Any]:
        """JSON-ready, options ordered best first (stored on the case)."""
        data = asdict(self)
        data["options"] = sorted(self.options, key=RANK.index)
        data["refund_amount"] = (
            str(self.refund_amount) if self.refund_amount is not None else None
        )
        return data


def _value(
    standard: Mapping[str, Any], legal: Mapping[str, Any], key: str, default: Any
) -> Any:
    """The standard's value, else the law's, else `default`."""
    value = standard.get(key)
    return value if value is not None else legal.get(key, default)


def compute(
    facts: Facts,
    *,
    standard: Mapping[str, Any],
    legal: Mapping[str, Any],
    citations: Mapping[str, str],
    defaults: Mapping[str, Mapping[str, int]] = DEFAULTS,
) -> Entitlement:
    """Everything the customer is owed for this fault now, with reasons and citations.

    `standard` is the service standard's `entitlement` parameters, `legal` the legal rule
    set's values (the standard was validated never to be looser), `defaults` the table of
    legal defaults used where neither names a value."""
    household, vehicle = defaults["household"], defaults["vehicle"]
    result = Entitlement()
    cite = citations.get
    price = facts.price_paid if facts.price_paid is not None else facts.invoice_price
    in_validity = (
        facts.validity_end is not None
        and facts.validity_start is not None
        and facts.validity_start <= facts.report_date <= facts.validity_end
    )
    days = (
        (facts.report_date - facts.validity_start).days
        if facts.validity_start
        else None
    )

    # Distance sales: return without a reason, counted from the day after receipt.
    no_reason_days = _value(standard, legal, "no_reason_return_days", None)
    if facts.is_distance_sale and facts.received_date and no_reason_days is not None:
        last_day = facts.received_date + timedelta(days=int(no_reason_days))
        if facts.no_reason_exception:
            result.reasons.append(f"no_reason_excluded:{facts.no_reason_exception}")
            if cite("no_reason_return_exceptions"):
                result.basis.append(cite("no_reason_return_exceptions"))
        elif facts.report_date <= last_day:
            result.add([NO_REASON_RETURN], f"no_reason_return_until:{last_day.isoformat()}",
                       cite("no_reason_return_days", ""))  # fmt: skip
            result.refund_amount = price

    if facts.performance_fault and days is not None and days >= 0:
        return_days = int(
            _value(
                standard, legal, "return_window_days", household["return_window_days"]
            )
        )
        exchange_days = int(
            _value(
                standard,
                legal,
                "exchange_window_days",
                household["exchange_window_days"],
            )
        )
        if days <= return_days:
            result.add([RETURN, EXCHANGE, REPAIR], f"fault_within_{return_days}_days",
                       cite("return_window_days", ""))  # fmt: skip
            result.refund_amount = price
        elif days <= exchange_days:
            result.add([EXCHANGE, REPAIR], f"fault_within_{exchange_days}_days",
                       cite("exchange_window_days", ""))  # fmt: skip

    if in_validity:
        result.add([REPAIR], "in_validity", cite("category_periods", ""))
        threshold = int(
            _value(
                standard,
                legal,
                "repeat_repair_threshold",
                household["repeat_repair_threshold"],
            )
        )
        if facts.category != "vehicle" and facts.failed_repairs >= threshold:
            result.add([EXCHANGE, RETURN], f"failed_repairs_{facts.failed_repairs}",
                       cite("repeat_repair_threshold", ""))  # fmt: skip
            result.refund_amount = result.refund_amount or price
        parts_days = int(
            _value(
                standard, legal, "parts_wait_max_days", household["parts_wait_max_days"]
            )
        )
        if facts.parts_wait_days > parts_days:
            result.add([EXCHANGE], f"parts_wait_over_{parts_days}_days",
                       cite("parts_wait_max_days", ""))  # fmt: skip
        repairer_days = int(
            _value(
                standard,
                legal,
                "repairer_fault_max_repair_days",
                household["repairer_fault_max_repair_days"],
            )
        )
        if facts.repairer_fault_repair_days > repairer_days:
            result.add([EXCHANGE], f"repairer_fault_over_{repairer_days}_days",
                       cite("repairer_fault_max_repair_days", ""))  # fmt: skip
            result.exchange_cost_on_repairer = True
        if facts.category == "vehicle":
            if facts.cumulative_repair_days > int(
                legal.get(
                    "cumulative_repair_days_max", vehicle["cumulative_repair_days_max"]
                )
            ):
                result.add([EXCHANGE, RETURN], "vehicle_repair_limits",
                           cite("cumulative_repair_days_max", ""))  # fmt: skip
                result.refund_amount = result.refund_amount or price
            if facts.same_problem_repairs > int(
                legal.get("repeat_repair_threshold", vehicle["repeat_repair_threshold"])
            ):
                result.add([EXCHANGE, RETURN], "vehicle_repair_limits",
                           cite("repeat_repair_threshold", ""))  # fmt: skip
                result.refund_amount = result.refund_amount or price
            if facts.current_repair_days > int(
                legal.get(
                    "single_repair_spare_car_days",
                    vehicle["single_repair_spare_car_days"],
                )
            ):
                result.add([SPARE_CAR], "single_repair_over_limit",
                           cite("single_repair_spare_car_days", ""))  # fmt: skip
    elif facts.validity_end is not None and not result.options:
        result.add([PAID_REPAIR], "out_of_validity")

    months = _value(standard, legal, "burden_shift_months", None)
    if months is not None and facts.validity_start is not None:
        limit = add_months(facts.validity_start, int(months))
        if facts.report_date <= limit:
            result.burden_of_proof_on_business = True
            result.reasons.append(f"burden_of_proof_within_{months}_months")
            if cite("burden_shift_months"):
                result.basis.append(cite("burden_shift_months"))
    return result


def offers_less(entitlement: Mapping[str, Any], offered: str) -> bool:
    """Whether offering `offered` gives the customer less than the best option owed
    (then a supervisor's approval with a reason is needed)."""
    options = entitlement.get("options") or []
    if not options or offered not in RANK:
        return False
    return RANK.index(offered) > min(RANK.index(o) for o in options)


EXCEPTION_LABELS = {
    "custom_made": gettext_lazy("custom-made goods"),
    "perishable": gettext_lazy("perishable goods"),
    "unsealed_digital": gettext_lazy("unsealed digital goods"),
    "periodicals": gettext_lazy("newspapers and periodicals"),
    "confirmed_unsuitable_at_purchase": gettext_lazy(
        "goods confirmed unsuitable for return at purchase"
    ),
}

OPTION_LABELS = {
    RETURN: gettext_lazy("Return with refund"),
    NO_REASON_RETURN: gettext_lazy("Return without reason (distance sale)"),
    EXCHANGE: gettext_lazy("Exchange"),
    REPAIR: gettext_lazy("Free repair"),
    SPARE_CAR: gettext_lazy("Spare car or transport compensation"),
    PAID_REPAIR: gettext_lazy("Paid repair"),
}


def describe(reason: str) -> str:
    """A reason code of the engine in words (for the case page)."""
    code, _sep, value = reason.partition(":")
    if code.startswith("fault_within_"):
        return _("Performance fault within %(days)s days") % {
            "days": code.split("_")[2]
        }
    if code.startswith("failed_repairs_"):
        return _("%(count)s failed repairs within validity") % {
            "count": code.rsplit("_", 1)[1]
        }
    if code.startswith("parts_wait_over_"):
        return _("Parts not supplied for over %(days)s days") % {
            "days": code.split("_")[3]
        }
    if code.startswith("repairer_fault_over_"):
        return _("Repair delayed over %(days)s days by the repairer") % {
            "days": code.split("_")[3]
        }
    if code.startswith("burden_of_proof_within_"):
        return _(
            "Defect within %(months)s months: the business bears the burden of proof"
        ) % {"months": code.split("_")[4]}
    labels = {
        "in_validity": _("Within the 三包 validity period"),
        "out_of_validity": _("Outside the validity period"),
        "vehicle_repair_limits": _("Vehicle repair limits exceeded"),
        "single_repair_over_limit": _("A single repair takes longer than the limit"),
        "no_reason_return_until": _("No-reason return until %(date)s")
        % {"date": value},
        "no_reason_excluded": _("No-reason return excluded: %(why)s")
        % {"why": str(EXCEPTION_LABELS.get(value, value))},
    }
    return str(labels.get(code, reason))
