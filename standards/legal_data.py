"""The legal rule sets seeded into every installation (domain §4 defaults).

Each is versioned: a change in the law is a new entry with a higher version, added by a new
data migration, never an edit of a seeded row. Citations name the instrument and the rule;
article numbers are given where the text is settled, and must be checked by the company's
legal department before relying on them in a dispute.

`LEGAL_DEFAULTS` is the one table of the legal default values (style.md B.1 "one home per
rule"): the seeded rule sets below are built from it, the entitlement engine
(tickets/entitlement.py) falls back on it when neither the standard nor the law names a value,
the legal-clock sweep (tickets/repairs/services.py) reads the same fallbacks, and the company
standard's defaults (standards/parameters.py) start from it. It lives here, beside the rule
sets it seeds, rather than in a module of its own: it is the same data, and this module is pure
(no Django, no database), so the pure engine may import it. Its sections are read-only
mappings; a change of a value is a change in the law, and so a new rule set version (and data
migration), never an edit here alone.
"""

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

SANBAO_1995 = "《部分商品修理更换退货责任规定》(1995)"
CONSUMER_LAW = "《中华人民共和国消费者权益保护法》(2013)"
REGULATION_2024 = "《中华人民共和国消费者权益保护法实施条例》(2024)"
VEHICLES_2021 = "《家用汽车产品修理更换退货责任规定》(2021)"


def gettext_noop(text: str) -> str:
    """Marks a citation's explanation for translation (makemessages extracts it; the
    module stays free of Django). Shown translated by `citation_text`."""
    return text


def _cite(source: str, explanation: str) -> str:
    """A citation as stored: "<instrument and article>: <explanation>"."""
    return f"{source}: {explanation}"


# Whole-unit and main-component validity periods (months) per product category, from the
# catalogue annexed to the 1995 provisions.
HOUSEHOLD_PERIODS = {
    "tv": {"whole_unit_months": 12, "components": {"picture_tube": 36}},
    "refrigerator": {
        "whole_unit_months": 12,
        "components": {"compressor": 36, "evaporator": 36, "condenser": 36},
    },
    "washing_machine": {"whole_unit_months": 12, "components": {"motor": 36}},
    "air_conditioner": {"whole_unit_months": 12, "components": {"compressor": 36}},
    "computer": {
        "whole_unit_months": 12,
        "components": {"cpu": 24, "mainboard": 24, "hard_disk": 24, "display": 24},
    },
}

# The legal default values, per family of law: "household" the 1995 三包 provisions (kept by the
# 2013 law and the 2024 regulation), "consumer" the Consumer Rights Protection Law 2013 (and its
# 2024 regulation), "vehicle" the household vehicles provisions 2021.
LEGAL_DEFAULTS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "household": MappingProxyType(
            {
                "return_window_days": 7,
                "exchange_window_days": 15,
                "repeat_repair_threshold": 2,
                "parts_wait_max_days": 90,
                "repairer_fault_max_repair_days": 30,
                "repaired_must_work_days": 30,
            }
        ),
        "consumer": MappingProxyType(
            {
                "no_reason_return_days": 7,
                "refund_due_days": 7,
                "burden_shift_months": 6,
                "regulator_accept_working_days": 7,
                "odr_settle_working_days": 10,
            }
        ),
        "vehicle": MappingProxyType(
            {
                "return_window_days": 7,
                "exchange_window_days": 60,
                "repeat_repair_threshold": 4,
                "cumulative_repair_days_max": 30,
                "single_repair_spare_car_days": 5,
                "warranty_months": 36,
                "warranty_km": 60000,
                "validity_months": 24,
                "validity_km": 50000,
            }
        ),
    }
)
HOUSEHOLD_DEFAULTS = LEGAL_DEFAULTS["household"]
CONSUMER_DEFAULTS = LEGAL_DEFAULTS["consumer"]
VEHICLE_DEFAULTS = LEGAL_DEFAULTS["vehicle"]

_HOUSEHOLD_VALUES = {
    **HOUSEHOLD_DEFAULTS,
    "category_periods": HOUSEHOLD_PERIODS,
}

_HOUSEHOLD_CITATIONS = {
    "return_window_days": _cite(
        SANBAO_1995,
        gettext_noop("performance fault within 7 days — return, exchange or repair"),
    ),
    "exchange_window_days": _cite(
        SANBAO_1995,
        gettext_noop("performance fault within 15 days — exchange or repair"),
    ),
    "repeat_repair_threshold": _cite(
        SANBAO_1995,
        gettext_noop("two failed repairs within validity — free exchange or return"),
    ),
    "parts_wait_max_days": _cite(
        SANBAO_1995, gettext_noop("parts not supplied 90 days after hand-in — exchange")
    ),
    "repairer_fault_max_repair_days": _cite(
        SANBAO_1995,
        gettext_noop(
            "repair over 30 days by the repairer's fault — exchange at the repairer's cost"
        ),
    ),
    "repaired_must_work_days": _cite(
        SANBAO_1995, gettext_noop("a repaired product must work for 30 days")
    ),
    "validity_start_basis": _cite(
        SANBAO_1995, gettext_noop("validity counted from the invoice date")
    ),
    "category_periods": _cite(
        SANBAO_1995, gettext_noop("catalogue of products and validity periods")
    ),
}

_CONSUMER_VALUES = {
    "no_reason_return_days": CONSUMER_DEFAULTS["no_reason_return_days"],
    "no_reason_return_exceptions": [
        "custom_made",
        "perishable",
        "unsealed_digital",
        "periodicals",
        "confirmed_unsuitable_at_purchase",
    ],
    "refund_due_days": CONSUMER_DEFAULTS["refund_due_days"],
    "burden_shift_months": CONSUMER_DEFAULTS["burden_shift_months"],
    "regulator_accept_working_days": CONSUMER_DEFAULTS["regulator_accept_working_days"],
    "odr_settle_working_days": CONSUMER_DEFAULTS["odr_settle_working_days"],
}

_CONSUMER_CITATIONS = {
    "no_reason_return_days": _cite(
        CONSUMER_LAW + " Art. 25",
        gettext_noop("distance sales, return without reason within 7 days of receipt"),
    ),
    "no_reason_return_exceptions": _cite(
        CONSUMER_LAW + " Art. 25",
        gettext_noop(
            "custom-made, perishable, unsealed digital goods, periodicals; goods "
            "confirmed unsuitable at purchase"
        ),
    ),
    "refund_due_days": _cite(
        CONSUMER_LAW + " Art. 25",
        gettext_noop("refund within 7 days of receiving the returned goods"),
    ),
    "burden_shift_months": _cite(
        CONSUMER_LAW + " Art. 23",
        gettext_noop(
            "durable goods, defect found within 6 months — the business bears the burden of proof"
        ),
    ),
    "regulator_accept_working_days": _cite(
        "《市场监督管理投诉举报处理暂行办法》",
        gettext_noop("a complaint is accepted or refused within 7 working days"),
    ),
    "odr_settle_working_days": _cite(
        "全国12315平台在线消费纠纷解决 (ODR)",
        gettext_noop("settlement within 10 working days"),
    ),
}

LEGAL_RULE_SETS = [
    {
        "code": "cn-sanbao-1995",
        "version": 1,
        "name": "Household goods repair, exchange and return (三包) provisions 1995",
        "name_zh": "部分商品修理更换退货责任规定（1995）",
        "source": SANBAO_1995,
        "effective_from": date(1995, 8, 25),
        "parameters": {**_HOUSEHOLD_VALUES, "validity_start_basis": "invoice"},
        "citations": _HOUSEHOLD_CITATIONS,
    },
    {
        "code": "cn-consumer-law-2013",
        "version": 1,
        "name": "Consumer Rights Protection Law 2013",
        "name_zh": "消费者权益保护法（2013）",
        "source": CONSUMER_LAW,
        "effective_from": date(2014, 3, 15),
        "parameters": {
            **_HOUSEHOLD_VALUES,
            **_CONSUMER_VALUES,
            "validity_start_basis": "invoice",
        },
        "citations": {**_HOUSEHOLD_CITATIONS, **_CONSUMER_CITATIONS},
    },
    {
        "code": "cn-consumer-regulation-2024",
        "version": 1,
        "name": "Consumer Rights Protection Law and its implementing regulation 2024",
        "name_zh": "消费者权益保护法实施条例（2024）",
        "source": REGULATION_2024,
        "effective_from": date(2024, 7, 1),
        "parameters": {
            **_HOUSEHOLD_VALUES,
            **_CONSUMER_VALUES,
            "validity_start_basis": "installation_else_delivery",
        },
        "citations": {
            **_HOUSEHOLD_CITATIONS,
            **_CONSUMER_CITATIONS,
            "validity_start_basis": _cite(
                REGULATION_2024,
                gettext_noop(
                    "validity runs from installation, else from delivery; repair and "
                    "parts-wait days extend it, an exchange restarts it"
                ),
            ),
        },
    },
    {
        "code": "cn-vehicles-2021",
        "version": 1,
        "name": "Household vehicles repair, exchange and return provisions 2021",
        "name_zh": "家用汽车产品修理更换退货责任规定（2021）",
        "source": VEHICLES_2021,
        "effective_from": date(2022, 1, 1),
        "parameters": {
            **{
                key: VEHICLE_DEFAULTS[key]
                for key in (
                    "return_window_days",
                    "exchange_window_days",
                    "repeat_repair_threshold",
                    "cumulative_repair_days_max",
                    "single_repair_spare_car_days",
                )
            },
            "validity_start_basis": "delivery",
            **{
                key: VEHICLE_DEFAULTS[key]
                for key in (
                    "warranty_months",
                    "warranty_km",
                    "validity_months",
                    "validity_km",
                )
            },
            "category_periods": {
                "vehicle": {
                    "whole_unit_months": 24,
                    "components": {"engine": 36, "transmission": 36},
                }
            },
        },
        "citations": {
            "return_window_days": _cite(
                VEHICLES_2021,
                gettext_noop(
                    "steering or braking fault within 7 days of delivery — free exchange or return"
                ),
            ),
            "exchange_window_days": _cite(
                VEHICLES_2021,
                gettext_noop(
                    "serious safety fault within 60 days or 3,000 km — exchange or return"
                ),
            ),
            "repeat_repair_threshold": _cite(
                VEHICLES_2021,
                gettext_noop(
                    "the same problem repaired more than 4 times within validity — "
                    "exchange or return"
                ),
            ),
            "cumulative_repair_days_max": _cite(
                VEHICLES_2021,
                gettext_noop(
                    "cumulative repair time over 30 days within validity — exchange or return"
                ),
            ),
            "single_repair_spare_car_days": _cite(
                VEHICLES_2021,
                gettext_noop(
                    "a single repair over 5 days — spare car or transport compensation"
                ),
            ),
            "validity_start_basis": _cite(
                VEHICLES_2021, gettext_noop("periods run from delivery")
            ),
            "warranty_months": _cite(
                VEHICLES_2021,
                gettext_noop("repair warranty at least 3 years or 60,000 km"),
            ),
            "validity_months": _cite(
                VEHICLES_2021,
                gettext_noop("三包 validity at least 2 years or 50,000 km"),
            ),
        },
    },
]
