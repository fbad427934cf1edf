"""The entitlement engine (tickets/entitlement.py, domain §4 and §6): what a customer is owed
now, table-driven against the pure `compute()` with the seeded legal rule sets
(standards.legal_data) and the default service standard's entitlement parameters — the 7-
and 15-day remedies (A07), two failed repairs (A08), parts-wait and repairer-fault limits
(A09), distance-sale no-reason return (A13), the six-month burden of proof (A14), household
vehicle limits (A15), out of validity, `offers_less`, `describe` — and, on the database, the
snapshot `ticket_open` stores, the API field and the case page's "What the customer is owed"
panel.

Days are counted as the engine documents: the trigger day (start of validity, receipt) is
day 0, so "within 7 days" includes the 7th day after it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from pytest_django.asserts import assertContains

from customers.validity import add_months
from standards.legal_data import LEGAL_RULE_SETS
from standards.parameters import DEFAULT_SERVICE_PARAMETERS
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import open_ticket, service_standard
from tickets.entitlement import (
    EXCHANGE,
    NO_REASON_RETURN,
    OPTION_LABELS,
    PAID_REPAIR,
    REPAIR,
    RETURN,
    SPARE_CAR,
    Entitlement,
    Facts,
    compute,
    describe,
    offers_less,
)


def _rule_set(code: str) -> dict[str, Any]:
    return next(rule_set for rule_set in LEGAL_RULE_SETS if rule_set["code"] == code)


LAW_2024 = _rule_set("cn-consumer-regulation-2024")
VEHICLES = _rule_set("cn-vehicles-2021")
CITE = LAW_2024["citations"]
VEHICLE_CITE = VEHICLES["citations"]
# The default service standard's entitlement (never looser than the 2024 law).
STANDARD = DEFAULT_SERVICE_PARAMETERS["entitlement"]
STRICTER = {**STANDARD, "return_window_days": 10}
# A vehicle case judged by the vehicle law alone (no stricter standard).
VEHICLE_STANDARD: dict[str, Any] = {}

INVOICE = Decimal("3999.00")
PAID = Decimal("3599.00")

# A TV delivered (validity start) on 2 March 2026; 12-month whole-unit period.
TV_START = date(2026, 3, 2)
TV_END = add_months(TV_START, 12) - timedelta(days=1)
# A car delivered on 1 June 2025; 24-month 三包 validity.
CAR_START = date(2025, 6, 1)
CAR_END = add_months(CAR_START, 24) - timedelta(days=1)
CAR_REPORT = date(2026, 3, 10)  # well past the 60-day window
# A distance sale signed for on 3 March 2026 (A13).
RECEIVED = date(2026, 3, 3)


def tv(day: int, **facts: Any) -> Facts:
    """A TV's performance fault reported `day` days after its validity started."""
    values: dict[str, Any] = {
        "category": "tv",
        "report_date": TV_START + timedelta(days=day),
        "validity_start": TV_START,
        "validity_end": TV_END,
        "invoice_price": INVOICE,
        "price_paid": PAID,
    }
    return Facts(**{**values, **facts})


def car(**facts: Any) -> Facts:
    """A car in validity, its fault reported long after the 60-day window."""
    values: dict[str, Any] = {
        "category": "vehicle",
        "report_date": CAR_REPORT,
        "validity_start": CAR_START,
        "validity_end": CAR_END,
        "invoice_price": Decimal("150000.00"),
    }
    return Facts(**{**values, **facts})


def online(report: date, **facts: Any) -> Facts:
    """A distance sale received on 3 March 2026, the customer simply not wanting it."""
    values: dict[str, Any] = {
        "category": "computer",
        "report_date": report,
        "validity_start": RECEIVED,
        "validity_end": add_months(RECEIVED, 12) - timedelta(days=1),
        "performance_fault": False,
        "invoice_price": INVOICE,
        "price_paid": PAID,
        "is_distance_sale": True,
        "received_date": RECEIVED,
    }
    return Facts(**{**values, **facts})


def household(facts: Facts, standard: dict[str, Any] = STANDARD) -> Entitlement:
    return compute(
        facts, standard=standard, legal=LAW_2024["parameters"], citations=CITE
    )


def vehicle(facts: Facts) -> Entitlement:
    return compute(
        facts,
        standard=VEHICLE_STANDARD,
        legal=VEHICLES["parameters"],
        citations=VEHICLE_CITE,
    )


def options(result: Entitlement) -> list[str]:
    """The options owed as stored on the case (best first)."""
    return result.as_snapshot()["options"]


# --- The seeded values the tables rely on --------------------------------------------------------


def test_the_default_standard_follows_the_2024_law_with_its_values():
    law = LAW_2024["parameters"]

    assert STANDARD["legal_rule_set"] == "cn-consumer-regulation-2024"
    assert (law["return_window_days"], law["exchange_window_days"]) == (7, 15)
    assert (STANDARD["return_window_days"], STANDARD["exchange_window_days"]) == (7, 15)
    assert law["repeat_repair_threshold"] == STANDARD["repeat_repair_threshold"] == 2
    assert law["parts_wait_max_days"] == STANDARD["parts_wait_max_days"] == 90
    assert law["repairer_fault_max_repair_days"] == 30
    assert law["no_reason_return_days"] == STANDARD["no_reason_return_days"] == 7
    assert law["burden_shift_months"] == STANDARD["burden_shift_months"] == 6
    assert "7 days" in CITE["return_window_days"]
    assert "Art. 23" in CITE["burden_shift_months"]


# --- A07: 7- and 15-day remedies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "owed", "reason", "citation"),
    [
        pytest.param(5, [RETURN, EXCHANGE, REPAIR], "fault_within_7_days",
                     "return_window_days", id="day-5"),
        pytest.param(7, [RETURN, EXCHANGE, REPAIR], "fault_within_7_days",
                     "return_window_days", id="day-7-last-return-day"),
        pytest.param(8, [EXCHANGE, REPAIR], "fault_within_15_days",
                     "exchange_window_days", id="day-8-first-exchange-only-day"),
        pytest.param(12, [EXCHANGE, REPAIR], "fault_within_15_days",
                     "exchange_window_days", id="day-12"),
        pytest.param(15, [EXCHANGE, REPAIR], "fault_within_15_days",
                     "exchange_window_days", id="day-15-last-exchange-day"),
        pytest.param(16, [REPAIR], "in_validity", "category_periods",
                     id="day-16-repair-only"),
        pytest.param(20, [REPAIR], "in_validity", "category_periods", id="day-20"),
    ],
)  # fmt: skip
def test_a07_a_tv_fault_is_owed_by_the_day_it_is_reported(day, owed, reason, citation):
    result = household(tv(day))

    assert options(result) == owed
    assert reason in result.reasons
    assert CITE[citation] in result.basis
    assert (CITE["return_window_days"] in result.basis) is (RETURN in owed)
    assert result.exchange_cost_on_repairer is False


def test_a07_day_5_offers_return_exchange_repair_with_the_7_day_basis():
    result = household(tv(5))

    snapshot = result.as_snapshot()
    assert snapshot["options"] == [RETURN, EXCHANGE, REPAIR]
    assert snapshot["refund_amount"] == "3599.00"
    assert snapshot["reasons"][0] == "fault_within_7_days"
    assert CITE["return_window_days"] in snapshot["basis"]
    assert any("7 days" in basis for basis in snapshot["basis"])


@pytest.mark.parametrize(
    ("price_paid", "invoice_price", "refund"),
    [
        pytest.param(PAID, INVOICE, PAID, id="price-paid-first"),
        pytest.param(None, INVOICE, INVOICE, id="else-invoice-price"),
        pytest.param(None, None, None, id="no-price-known"),
    ],
)
def test_a07_the_refund_is_the_price_paid_else_the_invoice_price(
    price_paid, invoice_price, refund
):
    result = household(tv(5, price_paid=price_paid, invoice_price=invoice_price))

    assert result.refund_amount == refund


@pytest.mark.parametrize("day", [8, 12, 15, 20])
def test_a07_no_refund_amount_once_return_is_no_longer_owed(day):
    assert household(tv(day)).refund_amount is None
    assert household(tv(day)).as_snapshot()["refund_amount"] is None


@pytest.mark.parametrize(
    ("standard", "day", "owed", "reason"),
    [
        pytest.param(STANDARD, 9, [EXCHANGE, REPAIR], "fault_within_15_days",
                     id="law-day-9-no-return"),
        pytest.param(STRICTER, 9, [RETURN, EXCHANGE, REPAIR], "fault_within_10_days",
                     id="stricter-day-9-return"),
        pytest.param(STRICTER, 10, [RETURN, EXCHANGE, REPAIR], "fault_within_10_days",
                     id="stricter-day-10-last-return-day"),
        pytest.param(STRICTER, 11, [EXCHANGE, REPAIR], "fault_within_15_days",
                     id="stricter-day-11-no-return"),
    ],
)  # fmt: skip
def test_a07_a_stricter_standard_widens_the_return_window(standard, day, owed, reason):
    result = household(tv(day), standard)

    assert options(result) == owed
    assert reason in result.reasons


def test_a07_a_fault_that_is_not_a_performance_fault_gets_no_7_or_15_day_remedy():
    result = household(tv(5, performance_fault=False))

    assert options(result) == [REPAIR]
    assert result.refund_amount is None


# --- A08: two failed repairs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failed_repairs", "owed", "refund"),
    [
        pytest.param(0, [REPAIR], None, id="none"),
        pytest.param(1, [REPAIR], None, id="one-not-yet"),
        pytest.param(2, [RETURN, EXCHANGE, REPAIR], PAID, id="two"),
        pytest.param(3, [RETURN, EXCHANGE, REPAIR], PAID, id="three"),
    ],
)
def test_a08_two_failed_repairs_within_validity_owe_exchange_or_return(
    failed_repairs, owed, refund
):
    result = household(tv(100, failed_repairs=failed_repairs))

    assert options(result) == owed
    assert result.refund_amount == refund
    repeat = CITE["repeat_repair_threshold"]
    assert (repeat in result.basis) is (failed_repairs >= 2)
    assert (f"failed_repairs_{failed_repairs}" in result.reasons) is (
        failed_repairs >= 2
    )


def test_a08_the_snapshot_orders_options_best_first_whatever_the_rule_order():
    result = household(tv(100, failed_repairs=2))

    # The validity rule adds repair before the repeat-repair rule adds exchange, return.
    assert result.options == [REPAIR, EXCHANGE, RETURN]
    assert result.as_snapshot()["options"] == [RETURN, EXCHANGE, REPAIR]


def test_a08_failed_repairs_out_of_validity_owe_nothing_free():
    result = household(tv(400, failed_repairs=2))

    assert options(result) == [PAID_REPAIR]
    assert result.refund_amount is None


# --- A09: parts-wait and repairer-fault limits ---------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "exchange", "reason", "citation", "on_repairer"),
    [
        pytest.param({"parts_wait_days": 91}, True, "parts_wait_over_90_days",
                     "parts_wait_max_days", False, id="parts-91-days"),
        pytest.param({"parts_wait_days": 90}, False, "parts_wait_over_90_days",
                     "parts_wait_max_days", False, id="parts-90-days"),
        pytest.param({"repairer_fault_repair_days": 31}, True,
                     "repairer_fault_over_30_days", "repairer_fault_max_repair_days",
                     True, id="repairer-31-days"),
        pytest.param({"repairer_fault_repair_days": 30}, False,
                     "repairer_fault_over_30_days", "repairer_fault_max_repair_days",
                     False, id="repairer-30-days"),
    ],
)  # fmt: skip
def test_a09_repair_limits_owe_an_exchange(
    facts, exchange, reason, citation, on_repairer
):
    result = household(tv(100, **facts))

    assert options(result) == ([EXCHANGE, REPAIR] if exchange else [REPAIR])
    assert (reason in result.reasons) is exchange
    assert (CITE[citation] in result.basis) is exchange
    assert result.exchange_cost_on_repairer is on_repairer
    assert result.refund_amount is None  # an exchange, not a return


# --- A13: distance sale, no-reason return --------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "offered"),
    [
        pytest.param(date(2026, 3, 3), True, id="day-of-receipt"),
        pytest.param(date(2026, 3, 10), True, id="10-march-last-day"),
        pytest.param(date(2026, 3, 11), False, id="11-march-too-late"),
    ],
)
def test_a13_no_reason_return_runs_7_days_from_the_day_after_receipt(report, offered):
    result = household(online(report))

    assert (NO_REASON_RETURN in result.options) is offered
    assert ("no_reason_return_until:2026-03-10" in result.reasons) is offered
    assert (CITE["no_reason_return_days"] in result.basis) is offered
    assert result.refund_amount == (PAID if offered else None)


def test_a13_on_the_last_day_the_reason_carries_the_end_date():
    result = household(online(date(2026, 3, 10)))

    assert result.as_snapshot()["options"] == [NO_REASON_RETURN, REPAIR]
    assert result.reasons[0] == "no_reason_return_until:2026-03-10"


@pytest.mark.parametrize(
    "exception", LAW_2024["parameters"]["no_reason_return_exceptions"]
)
def test_a13_an_excepted_item_is_refused_with_the_legal_exception(exception):
    result = household(online(date(2026, 3, 5), no_reason_exception=exception))

    assert NO_REASON_RETURN not in result.options
    assert f"no_reason_excluded:{exception}" in result.reasons
    assert not any(r.startswith("no_reason_return_until") for r in result.reasons)
    assert CITE["no_reason_return_exceptions"] in result.basis
    assert result.refund_amount is None


def test_a13_a_shop_sale_has_no_no_reason_return():
    result = household(online(date(2026, 3, 5), is_distance_sale=False))

    assert NO_REASON_RETURN not in result.options
    assert result.refund_amount is None


# --- A14: six-month burden of proof --------------------------------------------------------------

LAPTOP_START = date(2026, 1, 15)


def laptop(report: date) -> Facts:
    return Facts(
        category="computer",
        report_date=report,
        validity_start=LAPTOP_START,
        validity_end=add_months(LAPTOP_START, 12) - timedelta(days=1),
        price_paid=PAID,
    )


@pytest.mark.parametrize(
    ("report", "on_business"),
    [
        pytest.param(add_months(LAPTOP_START, 4), True, id="4-months"),
        pytest.param(add_months(LAPTOP_START, 6), True, id="6-months-last-day"),
        pytest.param(
            add_months(LAPTOP_START, 6) + timedelta(days=1), False, id="6-months-1-day"
        ),
        pytest.param(add_months(LAPTOP_START, 7), False, id="7-months"),
    ],
)
def test_a14_a_defect_within_6_months_puts_the_burden_of_proof_on_the_business(
    report, on_business
):
    result = household(laptop(report))

    assert result.burden_of_proof_on_business is on_business
    assert ("burden_of_proof_within_6_months" in result.reasons) is on_business
    assert (CITE["burden_shift_months"] in result.basis) is on_business
    assert any("Art. 23" in basis for basis in result.basis) is on_business
    assert options(result) == [REPAIR]  # in validity either way


# --- A15: household vehicle limits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "owed", "reason", "citation"),
    [
        pytest.param({}, [REPAIR], None, None, id="plain-repair"),
        pytest.param({"current_repair_days": 6}, [REPAIR, SPARE_CAR],
                     "single_repair_over_limit", "single_repair_spare_car_days",
                     id="one-repair-6-days"),
        pytest.param({"current_repair_days": 5}, [REPAIR], None, None,
                     id="one-repair-5-days"),
        pytest.param({"cumulative_repair_days": 31}, [RETURN, EXCHANGE, REPAIR],
                     "vehicle_repair_limits", "cumulative_repair_days_max",
                     id="cumulative-31-days"),
        pytest.param({"cumulative_repair_days": 30}, [REPAIR], None, None,
                     id="cumulative-30-days"),
        pytest.param({"same_problem_repairs": 5}, [RETURN, EXCHANGE, REPAIR],
                     "vehicle_repair_limits", None, id="fifth-same-problem-repair"),
        pytest.param({"same_problem_repairs": 4}, [REPAIR], None, None,
                     id="fourth-same-problem-repair"),
        pytest.param({"failed_repairs": 2}, [REPAIR], None, None,
                     id="household-two-repairs-rule-not-for-cars"),
    ],
)  # fmt: skip
def test_a15_vehicle_repair_limits(facts, owed, reason, citation):
    result = vehicle(car(**facts))

    assert options(result) == owed
    assert result.reasons == ["in_validity", *([reason] if reason else [])]
    if citation:
        assert VEHICLE_CITE[citation] in result.basis
    if RETURN in owed:
        assert result.refund_amount == Decimal("150000.00")


def test_a15_vehicle_limits_count_only_within_validity():
    late = add_months(CAR_START, 30)

    result = vehicle(
        car(report_date=late, cumulative_repair_days=31, current_repair_days=6)
    )

    assert options(result) == [PAID_REPAIR]


def test_a15_a_fifth_same_problem_repair_cites_the_repeat_repair_rule():
    result = vehicle(car(same_problem_repairs=5))

    assert VEHICLE_CITE["repeat_repair_threshold"] in result.basis
    assert VEHICLE_CITE["cumulative_repair_days_max"] not in result.basis


# --- Out of validity, no validity data -----------------------------------------------------------


def test_out_of_validity_only_a_paid_repair():
    result = household(
        Facts(
            category="tv",
            report_date=date(2026, 3, 10),
            validity_start=date(2024, 1, 1),
            validity_end=date(2024, 12, 31),
            price_paid=PAID,
        )
    )

    assert options(result) == [PAID_REPAIR]
    assert result.reasons == ["out_of_validity"]
    assert result.refund_amount is None
    assert result.burden_of_proof_on_business is False


def test_no_validity_data_owes_no_options():
    result = household(
        Facts(
            category="",
            report_date=date(2026, 3, 10),
            validity_start=None,
            validity_end=None,
        )
    )

    assert options(result) == []
    assert "out_of_validity" not in result.reasons


def test_no_validity_data_gives_no_refund_no_burden_no_citation():
    result = household(
        Facts(
            category="",
            report_date=date(2026, 3, 10),
            validity_start=None,
            validity_end=None,
        )
    )

    assert result.refund_amount is None
    assert result.burden_of_proof_on_business is False
    assert result.basis == []


# --- offers_less ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owed", "offered", "less"),
    [
        pytest.param(lambda: household(tv(5)), REPAIR, True, id="repair-when-return-owed"),
        pytest.param(lambda: household(tv(5)), EXCHANGE, True, id="exchange-when-return-owed"),
        pytest.param(lambda: household(tv(5)), RETURN, False, id="return-when-return-owed"),
        pytest.param(lambda: household(tv(12)), EXCHANGE, False, id="exchange-when-exchange-owed"),
        pytest.param(lambda: household(tv(12)), REPAIR, True, id="repair-when-exchange-owed"),
        pytest.param(lambda: household(tv(20)), REPAIR, False, id="repair-when-repair-owed"),
        pytest.param(lambda: household(tv(100, failed_repairs=2)), REPAIR, True,
                     id="a08-another-repair-after-two-failed"),
        pytest.param(lambda: household(online(date(2026, 3, 10))), REPAIR, True,
                     id="repair-when-no-reason-return-owed"),
        pytest.param(Entitlement, REPAIR, False, id="nothing-owed"),
    ],
)  # fmt: skip
def test_offers_less_compares_with_the_best_option_owed(owed, offered, less):
    assert offers_less(owed().as_snapshot(), offered) is less


@pytest.mark.parametrize("snapshot", [{}, {"options": []}, {"options": None}])
def test_offers_less_is_false_when_nothing_is_owed(snapshot):
    assert offers_less(snapshot, REPAIR) is False
    assert offers_less(snapshot, PAID_REPAIR) is False


# --- describe ------------------------------------------------------------------------------------

# Every reason the scenarios above produce, with the words its description must contain.
DESCRIBED = {
    "fault_within_7_days": ("performance fault", "7 days"),
    "fault_within_10_days": ("performance fault", "10 days"),
    "fault_within_15_days": ("performance fault", "15 days"),
    "in_validity": ("validity period",),
    "out_of_validity": ("outside", "validity"),
    "failed_repairs_2": ("2 failed repairs",),
    "failed_repairs_3": ("3 failed repairs",),
    "parts_wait_over_90_days": ("parts", "90 days"),
    "repairer_fault_over_30_days": ("repairer", "30 days"),
    "no_reason_return_until:2026-03-10": ("no-reason return", "2026-03-10"),
    "burden_of_proof_within_6_months": ("6 months", "burden of proof"),
    "vehicle_repair_limits": ("vehicle", "repair"),
    "single_repair_over_limit": ("single repair",),
    **{
        f"no_reason_excluded:{exception}": ("excluded",)
        for exception in LAW_2024["parameters"]["no_reason_return_exceptions"]
    },
}


def produced_reasons() -> set[str]:
    """Every reason code the scenarios above produce."""
    return {
        reason
        for result in [
            *(household(tv(day)) for day in (5, 7, 8, 12, 15, 16, 20, 400)),
            household(tv(9), STRICTER),
            *(household(tv(100, failed_repairs=n)) for n in (2, 3)),
            household(tv(100, parts_wait_days=91, repairer_fault_repair_days=31)),
            household(online(date(2026, 3, 10))),
            *(
                household(online(date(2026, 3, 5), no_reason_exception=exception))
                for exception in LAW_2024["parameters"]["no_reason_return_exceptions"]
            ),
            household(laptop(add_months(LAPTOP_START, 4))),
            vehicle(car(current_repair_days=6, cumulative_repair_days=31)),
        ]
        for reason in result.reasons
    }


RAW_CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def test_every_reason_the_scenarios_produce_is_in_the_describe_table():
    assert produced_reasons() == set(DESCRIBED)


def _describe_case(reason: str):
    return pytest.param(reason, id=reason)


@pytest.mark.parametrize("reason", [_describe_case(r) for r in sorted(DESCRIBED)])
def test_describe_gives_readable_english_for_each_reason(reason):
    with translation.override("en"):
        text = describe(reason)

    assert text != reason
    assert not RAW_CODE.search(text), text
    for words in DESCRIBED[reason]:
        assert words in text.lower(), text


def test_describe_names_the_excluded_item():
    with translation.override("en"):
        text = describe("no_reason_excluded:custom_made")

    assert "no-reason return excluded" in text.lower()
    assert "custom" in text.lower()


def test_every_option_has_an_english_label():
    with translation.override("en"):
        labels = {option: str(label) for option, label in OPTION_LABELS.items()}

    assert labels[RETURN] == "Return with refund"
    assert set(labels) == {RETURN, NO_REASON_RETURN, EXCHANGE, REPAIR, SPARE_CAR,
                           PAID_REPAIR}  # fmt: skip
    assert all(label and not RAW_CODE.search(label) for label in labels.values())


# --- On the case: snapshot, API, page ------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(clock, unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(standard, agent_user):
    return customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])


@pytest.fixture
def tv_case(zhang, agent_user):
    """A repair of Zhang's TV, delivered (validity start) 5 days ago."""
    delivered = NOW.date() - timedelta(days=5)
    television = product(
        actor=agent_user,
        owner=zhang,
        model=product_model(actor=agent_user, code="TV-55", category="tv"),
        serial="TV0001",
        sale_date=delivered,
        delivery_date=delivered,
        invoice_price=INVOICE,
        price_paid=PAID,
    )
    assert television.validity_start == delivered
    return open_ticket(
        actor=agent_user,
        customer=zhang,
        type="repair",
        product=television,
        title="TV shows no picture",
    )


class TestOnTheCase:
    pytestmark = pytest.mark.django_db

    def test_opening_a_repair_stores_the_entitlement_snapshot(self, tv_case):
        tv_case.refresh_from_db()

        snapshot = tv_case.entitlement
        assert snapshot["options"] == [RETURN, EXCHANGE, REPAIR]
        assert snapshot["refund_amount"] == "3599.00"
        assert snapshot["legal_rule_set"] == "cn-consumer-regulation-2024"
        assert "fault_within_7_days" in snapshot["reasons"]
        assert CITE["return_window_days"] in snapshot["basis"]
        assert snapshot["burden_of_proof_on_business"] is True

    def test_the_api_returns_the_entitlement_options(self, tv_case, agent_api):
        response = agent_api.get(f"/api/v1/tickets/{tv_case.number}/")

        assert response.status_code == 200
        entitlement = response.json()["entitlement"]
        assert entitlement["options"] == [RETURN, EXCHANGE, REPAIR]
        assert entitlement["refund_amount"] == "3599.00"
        assert CITE["return_window_days"] in entitlement["basis"]

    def test_the_case_page_shows_what_the_customer_is_owed(self, tv_case, agent_client):
        response = agent_client.get(f"/tickets/{tv_case.number}/")

        assertContains(response, "What the customer is owed")
        assertContains(response, "Return with refund")
        assertContains(response, "Exchange")
        assertContains(response, "Free repair")
        assertContains(response, "Performance fault within 7 days")
        assertContains(response, "¥3599.00")
        assertContains(response, CITE["return_window_days"])

    def test_a_case_without_a_product_owes_nothing(
        self, zhang, agent_user, agent_client
    ):
        ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
        ticket.refresh_from_db()

        assert ticket.entitlement["options"] == []
        response = agent_client.get(f"/tickets/{ticket.number}/")
        assertContains(response, "No product on the case: no entitlement computed.")

    def test_a_vehicle_case_is_judged_by_the_vehicle_law(self, zhang, agent_user):
        delivered = NOW.date() - timedelta(days=30)
        car_ = product(
            actor=agent_user,
            owner=zhang,
            model=product_model(actor=agent_user, code="CAR-1", category="vehicle"),
            serial="VIN0001",
            sale_date=delivered,
            delivery_date=delivered,
            invoice_price=Decimal("150000.00"),
        )
        by_law = vehicle(
            Facts(
                category="vehicle",
                report_date=NOW.date(),
                validity_start=car_.validity_start,
                validity_end=car_.validity_end,
            )
        )
        assert options(by_law) == [EXCHANGE, REPAIR]

        ticket = open_ticket(
            actor=agent_user, customer=zhang, type="repair", product=car_
        )

        assert ticket.entitlement["legal_rule_set"] == "cn-vehicles-2021"
        assert ticket.entitlement["options"] == [EXCHANGE, REPAIR]
