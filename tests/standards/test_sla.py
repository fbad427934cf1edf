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
from standards.sla import (
    CLOCKS,
    DueTimes,
    clock_state,
    compute_due_times,
    escalation_steps,
    shift_for_pause,
    target_hours,
    warn_point,
)
from tests.standards.factories import service_parameters
from tickets.cases import selectors as case_selectors
from tickets.cases import services as case_services

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


# --- Pauses, warn points, escalation, clock states ---------------------------------------


@pytest.mark.parametrize(
    ("moment", "paused_at", "resumed_at", "business_hours", "expected"),
    [
        # Friday 18:00 to Monday 09:00: no working hour is lost, nothing moves.
        (sh(2026, 3, 10, 12, 0), sh(2026, 3, 6, 18, 0), sh(2026, 3, 9, 9, 0), True,
         sh(2026, 3, 10, 12, 0)),
        # Friday 17:00 to Monday 09:00: one working hour (17-18) moves the due time 1 h.
        (sh(2026, 3, 10, 12, 0), sh(2026, 3, 6, 17, 0), sh(2026, 3, 9, 9, 0), True,
         sh(2026, 3, 10, 13, 0)),
        # Part of a working day: 10:00-13:30 is 3.5 h; 16:00 + 3.5 h runs into tomorrow.
        (sh(2026, 3, 3, 16, 0), sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 13, 30), True,
         sh(2026, 3, 4, 10, 30)),
        # Over National Day (Oct 1-7 off, Saturday Oct 10 a make-up working day): from
        # Wednesday Sep 30 17:00 to Thursday Oct 8 10:00 is 1 h + 1 h = 2 h.
        (sh(2026, 10, 9, 9, 0), sh(2026, 9, 30, 17, 0), sh(2026, 10, 8, 10, 0), True,
         sh(2026, 10, 9, 11, 0)),
        # A calendar-hours standard moves by the wall-clock time: 63 h.
        (sh(2026, 3, 10, 12, 0), sh(2026, 3, 6, 18, 0), sh(2026, 3, 9, 9, 0), False,
         sh(2026, 3, 13, 3, 0)),
        (None, sh(2026, 3, 6, 18, 0), sh(2026, 3, 9, 9, 0), True, None),
    ],
)  # fmt: skip
def test_a_pause_shifts_a_clock_in_its_own_time_base(
    moment, paused_at, resumed_at, business_hours, expected
):
    shifted = shift_for_pause(
        moment,
        paused_at=paused_at,
        resumed_at=resumed_at,
        calendar=OFFICE,
        business_hours=business_hours,
    )
    assert shifted == expected


def test_the_warn_point_is_at_80_percent_of_the_clock():
    assert warn_point(sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 20, 0)) == sh(
        2026, 3, 2, 18
    )
    assert warn_point(sh(2026, 3, 2, 10, 0), None) is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (sh(2026, 3, 2, 17, 0), ["warning"]),
        (sh(2026, 3, 2, 20, 0), ["warning", "breach"]),
        (sh(2026, 3, 3, 5, 59), ["warning", "breach"]),
        (sh(2026, 3, 3, 6, 0), ["warning", "breach", "manager"]),
    ],
)
def test_escalation_breaches_at_the_due_time_and_reaches_managers_at_twice_it(
    now, expected
):
    # a 10-hour clock started at 10:00: due 20:00, 200 % at 06:00 the next day
    steps = escalation_steps(
        started_at=sh(2026, 3, 2, 10, 0), due=sh(2026, 3, 2, 20, 0), now=now
    )
    assert steps == expected


DUE = sh(2026, 3, 2, 20, 0)
WARN = sh(2026, 3, 2, 18, 0)


@pytest.mark.parametrize(
    ("kwargs", "state", "hours_left"),
    [
        ({"due": None}, "none", None),
        ({"done": sh(2026, 3, 2, 19, 0)}, "met", None),
        ({"done": sh(2026, 3, 2, 21, 0)}, "met_late", None),
        ({"is_open": False, "ended_at": sh(2026, 3, 2, 21, 0)}, "missed", None),
        ({"is_open": False, "ended_at": sh(2026, 3, 2, 19, 0)}, "none", None),
        ({"is_open": False, "ended_at": None}, "none", None),
        ({"now": sh(2026, 3, 2, 12, 0)}, "running", 8.0),
        ({"now": sh(2026, 3, 2, 18, 30)}, "warning", 1.5),
        ({"now": sh(2026, 3, 2, 22, 0)}, "overdue", -2.0),
        # paused at 16:00: the clock stands still there even though now is past due
        ({"paused_at": sh(2026, 3, 2, 16, 0), "now": sh(2026, 3, 2, 23, 0)}, "paused", 4.0),
        # business hours: from 12:00 to a due time of Tuesday 11:00 is 6 + 2 = 8 h
        ({"due": sh(2026, 3, 3, 11, 0), "warn": sh(2026, 3, 3, 10, 0),
          "now": sh(2026, 3, 2, 12, 0), "calendar": OFFICE}, "running", 8.0),
        ({"due": sh(2026, 3, 2, 17, 0), "warn": None,
          "now": sh(2026, 3, 3, 10, 0), "calendar": OFFICE}, "overdue", -2.0),
    ],
)  # fmt: skip
def test_clock_state(kwargs, state, hours_left):
    given = {
        "due": DUE, "warn": WARN, "done": None, "is_open": True, "ended_at": None,
        "paused_at": None, "now": sh(2026, 3, 2, 12, 0), "calendar": None,
    } | kwargs  # fmt: skip
    result = clock_state(**given)
    assert (result.state, result.hours_left) == (state, hours_left)
    assert result.hours_over == (-hours_left if hours_left and hours_left < 0 else None)


def test_clocks_are_defined_once():
    assert CLOCKS == ("acknowledge", "first_contact", "onsite", "resolve")
    assert not hasattr(case_services, "CLOCKS")
    assert not hasattr(case_selectors, "CLOCKS")
