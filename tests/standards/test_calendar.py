"""The business calendar: working days, working hours and legal periods (standards/calendar.py).

Calendar facts come from the installed chinesecalendar package: 2026 New Year's Day Jan 1-3
(make-up Sun Jan 4), Spring Festival Feb 15-23 (make-up Sat Feb 14 and Sat Feb 28), Mid-Autumn
Sep 25-27 (Fri-Sun, no make-up), National Day Oct 1-7 (make-up Sun Sep 20 and Sat Oct 10).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from standards.calendar import (
    Calendar,
    add_business_hours,
    add_working_days,
    business_hours_between,
    is_working_day,
    legal_deadline,
    missing_years,
    statutory_status,
    supported_years,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = Calendar()
SEVEN_DAYS = Calendar(workdays=frozenset(range(7)))
NO_STATUTORY = Calendar(follows_statutory_holidays=False)
WITH_OVERRIDES = Calendar(
    overrides={
        date(2026, 3, 4): False,  # company day off on a Wednesday
        date(2026, 3, 7): True,  # working Saturday
        date(2026, 10, 2): True,  # on duty during National Day
        date(2026, 10, 10): False,  # the make-up Saturday given back
    }
)
SHORT_DAYS = Calendar(
    day_start=time(8, 30), day_end=time(12, 0), workdays=frozenset(range(6))
)
CALENDARS = [DEFAULT, SEVEN_DAYS, NO_STATUTORY, WITH_OVERRIDES, SHORT_DAYS]

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def in_working_hours(calendar: Calendar, moment: datetime) -> bool:
    """Whether ``moment`` lies in [day_start, day_end] of a working day of ``calendar``."""
    local = moment.astimezone(calendar.zone)
    return is_working_day(calendar, local.date()) and (
        calendar.day_start <= local.time().replace(tzinfo=None) <= calendar.day_end
    )


# --- statutory data -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), "holiday"),  # New Year's Day
        (date(2026, 1, 4), "makeup_workday"),  # Sunday worked for New Year
        (date(2026, 2, 14), "makeup_workday"),
        (date(2026, 2, 15), "holiday"),  # Spring Festival, first day
        (date(2026, 2, 23), "holiday"),  # Spring Festival, last day
        (date(2026, 2, 24), None),
        (date(2026, 2, 28), "makeup_workday"),
        (date(2026, 9, 20), "makeup_workday"),
        (date(2026, 9, 25), "holiday"),  # Mid-Autumn Festival (a Friday)
        (date(2026, 10, 1), "holiday"),
        (date(2026, 10, 7), "holiday"),
        (date(2026, 10, 8), None),
        (date(2026, 10, 10), "makeup_workday"),
        (date(2026, 3, 7), None),  # ordinary Saturday
        (date(2026, 3, 4), None),  # ordinary Wednesday
        (date(2028, 10, 2), None),  # year not covered by the package
        (date(2003, 10, 1), None),  # before the package's first year
    ],
)
def test_statutory_status_names_holidays_and_makeup_workdays(day, expected):
    assert statutory_status(day) == expected


def test_supported_years_come_from_the_package():
    years = supported_years()
    assert years.start == 2004
    assert 2026 in years
    assert years.stop - 1 >= 2026


def test_missing_years_lists_uncovered_years_sorted_without_repeats():
    first_missing = supported_years().stop
    assert missing_years([first_missing + 1, 2026, first_missing, 2003, 2026]) == [
        2003,
        first_missing,
        first_missing + 1,
    ]


def test_2027_or_later_is_missing_today_and_a_covered_year_is_not():
    assert missing_years([2027, 2028]) == [2027, 2028]
    assert missing_years([2020, 2026]) == []


# --- is_working_day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        *[(DEFAULT, date(2026, 10, d), False) for d in range(1, 8)],  # National Day
        (DEFAULT, date(2026, 10, 8), True),
        (DEFAULT, date(2026, 10, 10), True),  # make-up Saturday
        (DEFAULT, date(2026, 9, 20), True),  # make-up Sunday
        (DEFAULT, date(2026, 10, 11), False),  # ordinary Sunday
        (DEFAULT, date(2026, 3, 7), False),  # ordinary Saturday
        (DEFAULT, date(2026, 3, 8), False),  # ordinary Sunday
        (DEFAULT, date(2026, 3, 4), True),  # ordinary Wednesday
        (DEFAULT, date(2026, 9, 25), False),  # Mid-Autumn Friday
        (DEFAULT, date(2026, 1, 1), False),
        (DEFAULT, date(2026, 1, 4), True),  # make-up Sunday for New Year
        (WITH_OVERRIDES, date(2026, 3, 4), False),  # company day off on a Wednesday
        (WITH_OVERRIDES, date(2026, 3, 7), True),  # working Saturday
        (WITH_OVERRIDES, date(2026, 10, 2), True),  # override beats a holiday
        (WITH_OVERRIDES, date(2026, 10, 10), False),  # override beats a make-up day
        (WITH_OVERRIDES, date(2026, 10, 3), False),  # no override: holiday applies
        (NO_STATUTORY, date(2026, 10, 1), True),  # a Thursday, holidays ignored
        (NO_STATUTORY, date(2026, 10, 10), False),  # a Saturday, make-up ignored
        (NO_STATUTORY, date(2026, 9, 20), False),
        (SEVEN_DAYS, date(2026, 10, 1), False),  # statutory holiday still off
        (SEVEN_DAYS, date(2026, 3, 7), True),  # Saturday works
        (SEVEN_DAYS, date(2026, 3, 8), True),  # Sunday works
        (DEFAULT, date(2028, 10, 2), True),  # 2028 not covered: a plain Monday
        (DEFAULT, date(2028, 1, 1), False),  # 2028 not covered: a plain Saturday
        (DEFAULT, date(2028, 1, 3), True),
    ],
)
def test_is_working_day_applies_overrides_then_statutory_then_weekdays(
    calendar, day, expected
):
    assert is_working_day(calendar, day) is expected


def test_calendar_rejects_an_empty_working_window():
    with pytest.raises(ValueError, match="day_start"):
        Calendar(day_start=time(18), day_end=time(9))


def test_calendar_rejects_weekday_numbers_outside_0_to_6():
    with pytest.raises(ValueError, match="workdays"):
        Calendar(workdays=frozenset({7}))


# --- add_working_days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        # ODR: skips Mid-Autumn Sep 26-27 and Oct 1-7, counts make-up Sat Oct 10
        (DEFAULT, date(2026, 9, 25), 10, date(2026, 10, 15)),
        (DEFAULT, date(2026, 9, 25), 1, date(2026, 9, 28)),
        (DEFAULT, date(2026, 9, 30), 1, date(2026, 10, 8)),
        (DEFAULT, date(2026, 10, 9), 1, date(2026, 10, 10)),  # make-up Saturday
        (DEFAULT, date(2026, 9, 19), 1, date(2026, 9, 20)),  # make-up Sunday
        # Spring Festival: make-up Sat Feb 14, holiday Feb 15-23, make-up Sat Feb 28
        (DEFAULT, date(2026, 2, 13), 1, date(2026, 2, 14)),
        (DEFAULT, date(2026, 2, 13), 2, date(2026, 2, 24)),
        (DEFAULT, date(2026, 2, 13), 6, date(2026, 2, 28)),
        (DEFAULT, date(2026, 2, 13), 7, date(2026, 3, 2)),
        # Year end: Jan 1-3 off, Sun Jan 4 is a make-up workday
        (DEFAULT, date(2025, 12, 31), 1, date(2026, 1, 4)),
        (DEFAULT, date(2025, 12, 31), 2, date(2026, 1, 5)),
        (NO_STATUTORY, date(2025, 12, 31), 1, date(2026, 1, 1)),
        (SEVEN_DAYS, date(2026, 9, 30), 1, date(2026, 10, 8)),
        (WITH_OVERRIDES, date(2026, 3, 3), 1, date(2026, 3, 5)),  # Wed Mar 4 off
        (WITH_OVERRIDES, date(2026, 3, 6), 1, date(2026, 3, 7)),  # Sat Mar 7 on
        (DEFAULT, date(2026, 3, 7), 0, date(2026, 3, 7)),  # 0: identity, even on a Sat
        (DEFAULT, date(2026, 10, 1), 0, date(2026, 10, 1)),
        (DEFAULT, date(2028, 9, 29), 1, date(2028, 10, 2)),  # 2028: weekdays only
    ],
)
def test_add_working_days_counts_from_the_day_after_start(
    calendar, start, days, expected
):
    assert add_working_days(calendar, start, days) == expected


def test_add_working_days_rejects_negative_days():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(DEFAULT, date(2026, 3, 2), -1)


def test_add_working_days_gives_up_on_a_calendar_without_working_days():
    closed = Calendar(workdays=frozenset(), follows_statutory_holidays=False)
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(closed, date(2026, 3, 2), 1)


# --- add_business_hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "expected"),
    [
        (DEFAULT, sh(2026, 3, 2, 10), 3, sh(2026, 3, 2, 13)),  # within a day
        (DEFAULT, sh(2026, 3, 2, 17), 2, sh(2026, 3, 3, 10)),  # across a night
        (DEFAULT, sh(2026, 3, 6, 17, 30), 1, sh(2026, 3, 9, 9, 30)),  # across a weekend
        (DEFAULT, sh(2026, 3, 2, 15), 3, sh(2026, 3, 2, 18)),  # ends at 18:00, stays
        (DEFAULT, sh(2026, 3, 2, 9), 9, sh(2026, 3, 2, 18)),  # a full day
        (DEFAULT, sh(2026, 3, 2, 9), 18, sh(2026, 3, 3, 18)),  # two full days
        (DEFAULT, sh(2026, 3, 2, 7), 1, sh(2026, 3, 2, 10)),  # before opening
        (DEFAULT, sh(2026, 3, 2, 19), 1, sh(2026, 3, 3, 10)),  # after closing
        (DEFAULT, sh(2026, 3, 2, 18), 1, sh(2026, 3, 3, 10)),  # exactly at closing
        (DEFAULT, sh(2026, 3, 7, 11), 1, sh(2026, 3, 9, 10)),  # on a Saturday
        (DEFAULT, sh(2026, 10, 3, 10), 1, sh(2026, 10, 8, 10)),  # on a holiday
        (DEFAULT, sh(2026, 9, 30, 16), 4, sh(2026, 10, 8, 11)),  # across National Day
        (DEFAULT, sh(2026, 10, 9, 17), 2, sh(2026, 10, 10, 10)),  # into a make-up Sat
        (DEFAULT, sh(2026, 2, 13, 17), 2, sh(2026, 2, 14, 10)),  # make-up Sat Feb 14
        (
            DEFAULT,
            sh(2026, 2, 14, 17),
            2,
            sh(2026, 2, 24, 10),
        ),  # across Spring Festival
        (DEFAULT, sh(2026, 3, 2, 10), 0.5, sh(2026, 3, 2, 10, 30)),  # fractional
        (DEFAULT, sh(2026, 3, 2, 17), 1.5, sh(2026, 3, 3, 9, 30)),
        (DEFAULT, sh(2026, 3, 2, 10), Decimal("0.25"), sh(2026, 3, 2, 10, 15)),
        (
            DEFAULT,
            sh(2026, 3, 2, 10),
            0.1,
            sh(2026, 3, 2, 10, 6),
        ),  # exact, no float drift
        (DEFAULT, sh(2026, 3, 8, 3), 0, sh(2026, 3, 8, 3)),  # 0: identity, Sunday night
        (SHORT_DAYS, sh(2026, 3, 6, 11), 2, sh(2026, 3, 7, 9, 30)),  # Saturday works
        (WITH_OVERRIDES, sh(2026, 3, 3, 17), 2, sh(2026, 3, 5, 10)),  # Wed Mar 4 off
    ],
)
def test_add_business_hours_runs_only_inside_working_hours(
    calendar, start, hours, expected
):
    result = add_business_hours(calendar, start, hours)
    assert result == expected
    assert result.tzinfo == SHANGHAI


def test_add_business_hours_returns_shanghai_time_for_a_utc_start():
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = add_business_hours(DEFAULT, start, 2)
    assert result.tzinfo == SHANGHAI
    assert (result.hour, result.minute) == (11, 0)
    assert result == sh(2026, 3, 2, 11)


@pytest.mark.parametrize(
    "utc_start",
    [
        # Around the US (Mar 8, Nov 1) and EU (Mar 29, Oct 25) changes of 2026; Shanghai has none.
        datetime(2026, 3, 6, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
    ],
)
def test_shanghai_has_no_daylight_saving_so_utc_starts_shift_by_eight_hours(utc_start):
    result = add_business_hours(DEFAULT, utc_start, 3)
    assert result.utcoffset() == timedelta(hours=8)
    assert result == utc_start + timedelta(hours=3)  # 09:00 + 3 h, same working day
    assert result.astimezone(SHANGHAI).time() == time(12, 0)


def test_add_business_hours_rejects_a_naive_start():
    naive = sh(2026, 3, 2, 10).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        add_business_hours(DEFAULT, naive, 1)


@pytest.mark.parametrize(
    "hours", [-1, -0.5, Decimal("-0.1"), float("nan"), float("inf")]
)
def test_add_business_hours_rejects_negative_or_non_finite_hours(hours):
    with pytest.raises(ValueError, match="hours"):
        add_business_hours(DEFAULT, sh(2026, 3, 2, 10), hours)


# --- business_hours_between -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (sh(2026, 3, 2, 10), sh(2026, 3, 2, 13), 3.0),
        (sh(2026, 3, 2, 10), sh(2026, 3, 3, 10), 9.0),
        (sh(2026, 3, 6, 17), sh(2026, 3, 9, 10), 2.0),  # across a weekend
        (sh(2026, 9, 30, 17), sh(2026, 10, 8, 10), 2.0),  # across National Day
        (sh(2026, 3, 2, 7), sh(2026, 3, 2, 20), 9.0),  # outside hours both ends
        (sh(2026, 3, 7, 10), sh(2026, 3, 8, 10), 0.0),  # a weekend only
        (sh(2026, 3, 2, 13), sh(2026, 3, 2, 10), 0.0),  # end before start
        (sh(2026, 3, 2, 13), sh(2026, 3, 2, 13), 0.0),
        (datetime(2026, 3, 2, 1, tzinfo=UTC), sh(2026, 3, 2, 10, 30), 1.5),
    ],
)
def test_business_hours_between_counts_working_hours_only(start, end, expected):
    assert business_hours_between(DEFAULT, start, end) == expected


def test_business_hours_between_rejects_naive_datetimes():
    naive = sh(2026, 3, 2, 10).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        business_hours_between(DEFAULT, naive, sh(2026, 3, 2, 12))


# --- legal_deadline -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "days", "working_days", "expected"),
    [
        # A13: goods signed for on Mar 3, 7 days: ends 24:00 on Mar 10
        (date(2026, 3, 3), 7, False, sh(2026, 3, 11)),
        # datetime trigger: 20:00 UTC on Mar 2 is already Mar 3 in Shanghai
        (datetime(2026, 3, 2, 20, tzinfo=UTC), 7, False, sh(2026, 3, 11)),
        (sh(2026, 3, 3, 23, 59), 7, False, sh(2026, 3, 11)),
        # last day Oct 1 falls in National Day: moves to Oct 8
        (date(2026, 9, 24), 7, False, sh(2026, 10, 9)),
        (date(2026, 9, 28), 7, False, sh(2026, 10, 9)),
        # last day Sat Sep 26 (Mid-Autumn) moves past Sun Sep 27 to Mon Sep 28
        (date(2026, 9, 19), 7, False, sh(2026, 9, 29)),
        # last day an ordinary Sunday moves to Monday
        (date(2026, 2, 22), 7, False, sh(2026, 3, 3)),
        # last day the make-up Saturday Oct 10 is a working day: stays
        (date(2026, 10, 3), 7, False, sh(2026, 10, 11)),
        # ODR: 10 working days from Fri Sep 25 end 24:00 on Oct 15
        (date(2026, 9, 25), 10, True, sh(2026, 10, 16)),
        (date(2026, 3, 3), 0, False, sh(2026, 3, 4)),
        (date(2026, 3, 7), 0, False, sh(2026, 3, 10)),  # Saturday: moves to Monday
    ],
)
def test_legal_deadline_ends_at_midnight_after_the_last_working_day(
    trigger, days, working_days, expected
):
    result = legal_deadline(DEFAULT, trigger, days, working_days=working_days)
    assert result == expected
    assert result.tzinfo == SHANGHAI
    assert result.time() == time(0, 0)


def test_legal_deadline_rejects_negative_days():
    with pytest.raises(ValueError, match="negative"):
        legal_deadline(DEFAULT, date(2026, 3, 3), -1)


def test_legal_deadline_rejects_a_naive_datetime_trigger():
    with pytest.raises(ValueError, match="aware"):
        legal_deadline(DEFAULT, sh(2026, 3, 3, 10).replace(tzinfo=None), 7)


# --- properties -----------------------------------------------------------------------------

calendars = st.sampled_from(CALENDARS)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))
day_counts = st.integers(min_value=0, max_value=40)
times = st.times() | st.sampled_from(
    [time(0), time(8, 30), time(9), time(12), time(17, 59, 59, 999999), time(18)]
)
zones = st.sampled_from([SHANGHAI, UTC])
moments = st.builds(
    lambda day, clock, zone: datetime.combine(day, clock, tzinfo=zone),
    dates,
    times,
    zones,
)
# whole minutes, up to 40 hours, as hours
hour_amounts = st.integers(min_value=0, max_value=60 * 40).map(
    lambda minutes: minutes / 60
)
positive_hour_amounts = st.integers(min_value=1, max_value=60 * 40).map(
    lambda minutes: minutes / 60
)


@PROPERTY
@given(calendars, dates)
def test_adding_zero_working_days_is_identity(calendar, start):
    assert add_working_days(calendar, start, 0) == start


@PROPERTY
@given(calendars, dates, dates, day_counts)
def test_add_working_days_is_monotone_in_start(calendar, first, second, days):
    early, late = sorted([first, second])
    assert add_working_days(calendar, early, days) <= add_working_days(
        calendar, late, days
    )


@PROPERTY
@given(calendars, dates, day_counts, day_counts)
def test_add_working_days_is_monotone_in_days(calendar, start, first, second):
    fewer, more = sorted([first, second])
    assert add_working_days(calendar, start, fewer) <= add_working_days(
        calendar, start, more
    )


@PROPERTY
@given(calendars, dates, day_counts, day_counts)
def test_add_working_days_is_additive(calendar, start, a, b):
    assert add_working_days(
        calendar, add_working_days(calendar, start, a), b
    ) == add_working_days(calendar, start, a + b)


@PROPERTY
@given(calendars, dates, st.integers(min_value=1, max_value=40))
def test_add_working_days_lands_on_a_working_day_after_start(calendar, start, days):
    result = add_working_days(calendar, start, days)
    assert result > start
    assert is_working_day(calendar, result)


@PROPERTY
@given(calendars, moments)
def test_adding_zero_business_hours_is_identity(calendar, start):
    assert add_business_hours(calendar, start, 0) == start


@PROPERTY
@given(calendars, moments, hour_amounts, hour_amounts)
def test_add_business_hours_is_additive(calendar, start, a, b):
    step_by_step = add_business_hours(
        calendar, add_business_hours(calendar, start, a), b
    )
    assert step_by_step == add_business_hours(calendar, start, a + b)


@PROPERTY
@given(calendars, moments, hour_amounts, hour_amounts)
def test_add_business_hours_is_monotone_in_hours(calendar, start, first, second):
    fewer, more = sorted([first, second])
    assert start <= add_business_hours(calendar, start, fewer)
    assert add_business_hours(calendar, start, fewer) <= add_business_hours(
        calendar, start, more
    )


@PROPERTY
@given(calendars, moments, moments, hour_amounts)
def test_add_business_hours_is_monotone_in_start(calendar, first, second, hours):
    early, late = sorted([first, second])
    assert add_business_hours(calendar, early, hours) <= add_business_hours(
        calendar, late, hours
    )


@PROPERTY
@given(calendars, moments, positive_hour_amounts)
def test_add_business_hours_ends_inside_working_hours(calendar, start, hours):
    result = add_business_hours(calendar, start, hours)
    assert result.tzinfo == calendar.zone
    assert in_working_hours(calendar, result)


@PROPERTY
@given(calendars, moments, hour_amounts)
def test_business_hours_between_inverts_add_business_hours(calendar, start, hours):
    assert (
        business_hours_between(
            calendar, start, add_business_hours(calendar, start, hours)
        )
        == hours
    )
