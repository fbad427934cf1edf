"""Warranty (三包) validity arithmetic (customers/validity.py): start basis, periods,
extensions, restarts, month-end clamping and the status on a day. Pure: no database.

The module's rule: the period starts on the basis date and its last covered day is the day
before the same date `months` later; days in repair and waiting for parts are added; an
exchange restarts the period on the exchange date.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from customers import validity
from customers.models import ValidityEvent
from customers.validity import Event, add_months, compute, start_date, status_on

INSTALLED = date(2025, 6, 1)
SOLD = date(2025, 5, 20)
DELIVERED = date(2025, 5, 25)


def test_a10_repair_and_parts_wait_days_move_the_whole_unit_end_30_days_later():
    # given an air conditioner installed on 1 June 2025, 12 months whole unit
    without_events = compute(
        basis="installation_else_delivery",
        sale_date=SOLD,
        delivery_date=DELIVERED,
        installation_date=INSTALLED,
        whole_unit_months=12,
    )
    # when it spends 20 days in repair and 10 days waiting for parts
    with_events = compute(
        basis="installation_else_delivery",
        sale_date=SOLD,
        delivery_date=DELIVERED,
        installation_date=INSTALLED,
        whole_unit_months=12,
        events=[
            Event("repair_days", date(2025, 11, 3), 20),
            Event("parts_wait_days", date(2025, 11, 3), 10),
        ],
    )
    # then the last covered day moves from 2026-05-31 by 30 days
    assert without_events.start == INSTALLED
    assert without_events.whole_unit_end == date(2026, 5, 31)
    assert with_events.start == INSTALLED
    assert with_events.extension_days == 30
    assert with_events.whole_unit_end == date(2026, 6, 30)
    assert with_events.restarted_on is None


def test_a10_an_exchange_restarts_the_period_on_the_exchange_date():
    result = compute(
        basis="installation_else_delivery",
        sale_date=SOLD,
        delivery_date=DELIVERED,
        installation_date=INSTALLED,
        whole_unit_months=12,
        component_months={"compressor": 36},
        events=[
            Event("repair_days", date(2025, 9, 1), 20),
            Event("parts_wait_days", date(2025, 9, 1), 10),
            Event("exchange", date(2025, 10, 15)),
        ],
    )
    assert result.restarted_on == date(2025, 10, 15)
    assert result.start == date(2025, 10, 15)
    assert result.extension_days == 0  # the old unit's days do not carry over
    assert result.whole_unit_end == date(2026, 10, 14)
    assert result.components == {"compressor": date(2028, 10, 14)}


def test_only_events_after_the_last_exchange_extend_the_period():
    result = compute(
        basis="invoice",
        sale_date=date(2025, 1, 10),
        whole_unit_months=12,
        events=[
            Event("repair_days", date(2025, 2, 1), 7),
            Event("exchange", date(2025, 3, 1)),
            Event("repair_days", date(2025, 4, 1), 5),
            Event("exchange", date(2025, 6, 1)),
            Event("repair_days", date(2025, 8, 1), 4),
            Event("parts_wait_days", date(2025, 8, 1), 3),
        ],
    )
    assert result.restarted_on == date(2025, 6, 1)
    assert result.extension_days == 7
    assert result.whole_unit_end == date(2026, 6, 7)


def test_repair_days_recorded_on_the_exchange_day_belong_to_the_old_unit():
    result = compute(
        basis="invoice",
        sale_date=date(2025, 1, 10),
        whole_unit_months=12,
        events=[
            Event("repair_days", date(2025, 6, 1), 25),
            Event("exchange", date(2025, 6, 1)),
        ],
    )
    assert result.extension_days == 0
    assert result.whole_unit_end == date(2026, 5, 31)


@pytest.mark.parametrize(
    ("basis", "delivery", "installation", "expected"),
    [
        ("invoice", DELIVERED, INSTALLED, SOLD),
        ("invoice", None, None, SOLD),
        ("delivery", DELIVERED, INSTALLED, DELIVERED),
        ("delivery", None, INSTALLED, SOLD),  # no delivery date: back to the invoice
        ("installation_else_delivery", DELIVERED, INSTALLED, INSTALLED),
        ("installation_else_delivery", DELIVERED, None, DELIVERED),
        ("installation_else_delivery", None, None, SOLD),
        ("installation_else_delivery", None, INSTALLED, INSTALLED),
    ],
)
def test_the_start_basis_picks_its_date_and_falls_back_when_one_is_missing(
    basis, delivery, installation, expected
):
    assert (
        start_date(
            basis,
            sale_date=SOLD,
            delivery_date=delivery,
            installation_date=installation,
        )
        == expected
    )
    result = compute(
        basis=basis,
        sale_date=SOLD,
        delivery_date=delivery,
        installation_date=installation,
        whole_unit_months=12,
    )
    assert result.start == expected
    assert result.whole_unit_end == add_months(expected, 12) - timedelta(days=1)


def test_components_have_their_own_periods_and_share_the_extensions():
    result = compute(
        basis="installation_else_delivery",
        sale_date=SOLD,
        delivery_date=DELIVERED,
        installation_date=INSTALLED,
        whole_unit_months=12,
        component_months={"compressor": 36, "evaporator": 24},
        events=[Event("repair_days", date(2025, 12, 1), 10)],
    )
    assert result.whole_unit_end == date(2026, 6, 10)
    assert result.components == {
        "compressor": date(2028, 6, 10),
        "evaporator": date(2027, 6, 10),
    }
    assert result.main_components_end == date(2028, 6, 10)


def test_no_period_for_the_category_means_no_end():
    result = compute(
        basis="invoice",
        sale_date=SOLD,
        whole_unit_months=None,
        component_months={},
    )
    assert result.start == SOLD
    assert result.whole_unit_end is None
    assert result.components == {}
    assert result.main_components_end is None


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # across the year end
        (date(2025, 6, 1), 36, date(2028, 6, 1)),
        (date(2026, 12, 9), -12, date(2025, 12, 9)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_a_period_from_the_31st_of_january_ends_the_day_before_the_clamped_date():
    result = compute(basis="invoice", sale_date=date(2025, 1, 31), whole_unit_months=1)
    assert result.whole_unit_end == date(2025, 2, 27)


@pytest.mark.parametrize(
    ("end", "today", "expected"),
    [
        (None, date(2026, 1, 1), "unknown"),
        (date(2026, 3, 1), date(2026, 1, 1), "valid"),
        (date(2026, 1, 31), date(2026, 1, 1), "expiring"),  # exactly 30 days
        (date(2026, 2, 1), date(2026, 1, 1), "valid"),  # 31 days
        (date(2026, 1, 11), date(2026, 1, 1), "expiring"),
        (date(2026, 1, 1), date(2026, 1, 1), "expiring"),  # last covered day
        (date(2025, 12, 31), date(2026, 1, 1), "expired"),
        (date(2020, 6, 1), date(2026, 1, 1), "expired"),
    ],
)
def test_status_on_a_day(end, today, expected):
    assert status_on(end, today) == expected


def test_the_warning_window_is_a_parameter():
    assert status_on(date(2026, 1, 11), date(2026, 1, 1), warning_days=5) == "valid"
    assert status_on(date(2026, 1, 6), date(2026, 1, 1), warning_days=5) == "expiring"


def test_extending_and_restarting_kinds_are_the_model_choices():
    assert validity.EXTENDING | {validity.RESTARTING} == set(ValidityEvent.Kind.values)
