"""SLA deadline maths (standards/sla.py): due times of every clock from a service standard's
SLA matrix, in calendar or business hours. Pure: no database.

Calendar facts (chinesecalendar): 2026-03-02 is a Monday; National Day 2026 is Oct 1-7 with the
make-up working Saturday Oct 10.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from standards.calendar import Calendar
from standards.parameters import DEFAULT_SERVICE_PARAMETERS
from standards.sla import DueTimes, compute_due_times, target_hours
from tests.standards.factories import service_parameters

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = Calendar()  # 09:00-18:00 Monday to Friday, statutory holidays off
HOTLINE = Calendar(
    day_start=time(8),
    day_end=time(20),
    workdays=frozenset(range(7)),
    follows_statutory_holidays=False,
)
CALENDAR_HOURS = service_parameters({"sla.business_hours": False})
BUSINESS_HOURS = service_parameters({"sla.business_hours": True})


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def due(parameters, **kwargs) -> dict:
    return compute_due_times(
        parameters, calendar=kwargs.pop("calendar", OFFICE), **kwargs
    ).as_dict()


@pytest.mark.parametrize(
    ("priority", "start", "expected"),
    [
        ("P1", sh(2026, 3, 2, 10, 0), {
            "acknowledge": sh(2026, 3, 2, 10, 30), "first_contact": sh(2026, 3, 2, 11, 0),
            "onsite": sh(2026, 3, 3, 10, 0), "resolve": sh(2026, 3, 4, 10, 0)}),
        ("P2", sh(2026, 3, 2, 10, 0), {
            "acknowledge": sh(2026, 3, 2, 12, 0), "first_contact": sh(2026, 3, 2, 14, 0),
            "onsite": sh(2026, 3, 3, 10, 0), "resolve": sh(2026, 3, 5, 10, 0)}),
        ("P3", sh(2026, 3, 2, 10, 0), {
            "acknowledge": sh(2026, 3, 3, 10, 0), "first_contact": sh(2026, 3, 3, 10, 0),
            "onsite": sh(2026, 3, 3, 10, 0), "resolve": sh(2026, 3, 9, 10, 0)}),
        # Calendar hours run through nights, weekends and National Day.
        ("P1", sh(2026, 9, 30, 17, 0), {
            "acknowledge": sh(2026, 9, 30, 17, 30), "first_contact": sh(2026, 9, 30, 18, 0),
            "onsite": sh(2026, 10, 1, 17, 0), "resolve": sh(2026, 10, 2, 17, 0)}),
        # A start given in UTC (02:00 UTC is 10:00 in Shanghai).
        ("P1", datetime(2026, 3, 2, 2, 0, tzinfo=UTC), {
            "acknowledge": sh(2026, 3, 2, 10, 30), "first_contact": sh(2026, 3, 2, 11, 0),
            "onsite": sh(2026, 3, 3, 10, 0), "resolve": sh(2026, 3, 4, 10, 0)}),
    ],
)  # fmt: skip
def test_calendar_hours(priority, start, expected):
    assert due(CALENDAR_HOURS, priority=priority, start=start) == expected


@pytest.mark.parametrize(
    ("priority", "start", "calendar", "expected"),
    [
        # Friday 17:00: one working hour left, the rest from Monday 09:00.
        ("P2", sh(2026, 3, 6, 17, 0), OFFICE, {
            "acknowledge": sh(2026, 3, 9, 10, 0), "first_contact": sh(2026, 3, 9, 12, 0),
            "onsite": sh(2026, 3, 11, 14, 0), "resolve": sh(2026, 3, 18, 17, 0)}),
        ("P1", sh(2026, 3, 6, 17, 0), OFFICE, {
            "acknowledge": sh(2026, 3, 6, 17, 30), "first_contact": sh(2026, 3, 6, 18, 0),
            "onsite": sh(2026, 3, 11, 14, 0), "resolve": sh(2026, 3, 16, 11, 0)}),
        # Before opening the clock starts at 09:00; at closing time, the next morning.
        # Hours that run out exactly at 18:00 end then, not the next morning.
        ("P1", sh(2026, 3, 9, 7, 0), OFFICE, {
            "acknowledge": sh(2026, 3, 9, 9, 30), "first_contact": sh(2026, 3, 9, 10, 0),
            "onsite": sh(2026, 3, 11, 15, 0), "resolve": sh(2026, 3, 16, 12, 0)}),
        ("P2", sh(2026, 3, 6, 18, 0), OFFICE, {
            "acknowledge": sh(2026, 3, 9, 11, 0), "first_contact": sh(2026, 3, 9, 13, 0),
            "onsite": sh(2026, 3, 11, 15, 0), "resolve": sh(2026, 3, 18, 18, 0)}),
        # National Day is skipped and the make-up Saturday (Oct 10) is worked.
        ("P3", sh(2026, 9, 30, 17, 0), OFFICE, {
            "acknowledge": sh(2026, 10, 10, 14, 0), "first_contact": sh(2026, 10, 10, 14, 0),
            "onsite": sh(2026, 10, 10, 14, 0), "resolve": sh(2026, 11, 2, 14, 0)}),
        # The same start in UTC (09:00 UTC is Friday 17:00 in Shanghai).
        ("P2", datetime(2026, 3, 6, 9, 0, tzinfo=UTC), OFFICE, {
            "acknowledge": sh(2026, 3, 9, 10, 0), "first_contact": sh(2026, 3, 9, 12, 0),
            "onsite": sh(2026, 3, 11, 14, 0), "resolve": sh(2026, 3, 18, 17, 0)}),
        # A hotline open 08:00-20:00 every day, holidays included.
        ("P2", sh(2026, 3, 7, 19, 0), HOTLINE, {
            "acknowledge": sh(2026, 3, 8, 9, 0), "first_contact": sh(2026, 3, 8, 11, 0),
            "onsite": sh(2026, 3, 9, 19, 0), "resolve": sh(2026, 3, 13, 19, 0)}),
    ],
)  # fmt: skip
def test_business_hours(priority, start, calendar, expected):
    assert (
        due(BUSINESS_HOURS, priority=priority, start=start, calendar=calendar)
        == expected
    )


@pytest.mark.parametrize(
    ("region", "business_hours", "expected"),
    [
        ("urban", False, sh(2026, 3, 3, 10, 0)),
        ("rural", False, sh(2026, 3, 5, 10, 0)),
        ("urban", True, sh(2026, 3, 4, 16, 0)),
        ("rural", True, sh(2026, 3, 12, 10, 0)),
    ],
)
def test_onsite_by_region(region, business_hours, expected):
    parameters = BUSINESS_HOURS if business_hours else CALENDAR_HOURS
    due_times = due(
        parameters, priority="P3", start=sh(2026, 3, 2, 10, 0), region=region
    )
    assert due_times["onsite"] == expected


@pytest.mark.parametrize("parameters", [CALENDAR_HOURS, BUSINESS_HOURS])
def test_a_case_without_a_visit_has_no_onsite_clock(parameters):
    due_times = due(
        parameters, priority="P1", start=sh(2026, 3, 2, 10, 0), needs_onsite=False
    )
    assert due_times["onsite"] is None
    assert due_times["acknowledge"] == sh(2026, 3, 2, 10, 30)


def test_a_priority_the_matrix_lacks_has_no_priority_clocks():
    due_times = due(CALENDAR_HOURS, priority="P4", start=sh(2026, 3, 2, 10, 0))
    assert due_times == {
        "acknowledge": None,
        "first_contact": None,
        "onsite": sh(2026, 3, 3, 10, 0),
        "resolve": None,
    }


def test_hours_given_as_text_are_counted():
    parameters = service_parameters(
        {"sla.resolve.P1": "1.5", "sla.business_hours": True}
    )
    due_times = due(parameters, priority="P1", start=sh(2026, 3, 6, 17, 0))
    assert due_times["resolve"] == sh(2026, 3, 9, 9, 30)


def test_business_hours_default_to_off_when_the_matrix_does_not_say():
    parameters = service_parameters()
    del parameters["sla"]["business_hours"]
    due_times = due(parameters, priority="P1", start=sh(2026, 3, 6, 17, 0))
    assert due_times["resolve"] == sh(2026, 3, 8, 17, 0)


@pytest.mark.parametrize("parameters", [CALENDAR_HOURS, BUSINESS_HOURS])
@pytest.mark.parametrize(
    "start", [sh(2026, 3, 6, 17, 0), datetime(2026, 3, 6, 9, 0, tzinfo=UTC)]
)
def test_due_times_are_aware_and_in_shanghai_time(parameters, start):
    due_times = due(parameters, priority="P2", start=start)
    assert [str(moment.tzinfo) for moment in due_times.values()] == [
        "Asia/Shanghai"
    ] * 4


def test_a_naive_start_is_refused_in_business_hours():
    with pytest.raises(ValueError, match="must be an aware datetime"):
        due(BUSINESS_HOURS, priority="P2", start=datetime(2026, 3, 6, 17, 0))  # noqa: DTZ001


def test_a_naive_start_is_refused_in_calendar_hours():
    with pytest.raises(ValueError, match="aware"):
        due(CALENDAR_HOURS, priority="P2", start=datetime(2026, 3, 6, 17, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("clock", "priority", "region", "hours"),
    [
        ("acknowledge", "P1", "urban", 0.5),
        ("first_contact", "P2", "urban", 4),
        ("resolve", "P3", "rural", 168),
        ("onsite", "P1", "urban", 24),
        ("onsite", "P3", "rural", 72),
        ("onsite", "P1", "mountain", None),
    ],
)
def test_target_hours(clock, priority, region, hours):
    assert (
        target_hours(
            DEFAULT_SERVICE_PARAMETERS, clock, priority=priority, region=region
        )
        == hours
    )


def test_due_times_as_dict_lists_the_four_clocks_in_order():
    moment = sh(2026, 3, 2, 10, 0)
    assert list(DueTimes(moment, None, moment, None).as_dict().items()) == [
        ("acknowledge", moment),
        ("first_contact", None),
        ("onsite", moment),
        ("resolve", None),
    ]
