"""The business calendar: working days, working hours and legal periods of one unit.

A pure module (no database, no clock): every function takes the calendar and the moment it
reasons about. Chinese statutory holidays and 调休 make-up working days come from the
``chinesecalendar`` package (import name ``chinese_calendar``), which covers a fixed range of
years; outside that range the weekday pattern of the calendar applies (see ``missing_years``).

Time arithmetic is done on the wall clock of the calendar's time zone, in whole microseconds,
so that adding hours is exact and additive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as chinese_calendar_constants

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"

# The dates the calendar reasons about (inputs outside are refused by forms and the API, so
# that no arithmetic runs off the end of Python's date range).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)

# How far the search for the next working day may run before the calendar is declared empty.
MAX_SEARCH_DAYS = 3660

_MICROSECONDS_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """Working hours and days of one unit."""

    timezone: str = "Asia/Shanghai"
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    follows_statutory_holidays: bool = True
    # Company/unit days: True = working, False = day off. They beat every other rule.
    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Reject an unknown time zone, an empty working window and weekdays outside 0..6."""
        ZoneInfo(self.timezone)  # ZoneInfoNotFoundError for an unknown zone name
        if not self.day_start < self.day_end:
            msg = f"day_start {self.day_start} must be before day_end {self.day_end}"
            raise ValueError(msg)
        if not set(self.workdays) <= set(range(7)):
            msg = f"workdays must be weekday numbers 0 (Monday) to 6, got {sorted(self.workdays)}"
            raise ValueError(msg)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


class MissingCalendarYear(Exception):
    """The statutory holiday data lacks a year the caller needs (see ``missing_years``).

    The functions of this module do not raise it: for such years they fall back to the weekday
    pattern. Callers that must not silently do so (e.g. a start-up check) raise it themselves.
    """


def statutory_status(day: date) -> str | None:
    """The Chinese statutory status of a day: "holiday", "makeup_workday" or None.

    A named day off is a statutory holiday; a named working day is a 调休 make-up working day
    (a weekend day worked in exchange); any other day, and every day of a year the package does
    not cover, is None.
    """
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if name is None:
        return None
    return HOLIDAY if is_holiday else MAKEUP_WORKDAY


@cache
def supported_years() -> range:
    """The years for which the package knows the statutory holidays.

    From the smallest to the largest year among the package's holidays and make-up workdays.
    """
    days = [*chinese_calendar_constants.holidays, *chinese_calendar_constants.workdays]
    return range(min(days).year, max(days).year + 1)


def missing_years(years: Iterable[int]) -> list[int]:
    """The years among ``years`` that the package does not cover, sorted, without repeats.

    For those years ``statutory_status`` is None and only the weekday pattern and overrides apply.
    """
    covered = supported_years()
    return sorted({year for year in years if year not in covered})


def is_working_day(calendar: Calendar, day: date) -> bool:
    """Whether ``day`` is a working day of ``calendar``.

    An override for the date decides; otherwise, if the calendar follows statutory holidays, a
    statutory holiday is off and a make-up workday is on; otherwise the weekday must be one of
    ``calendar.workdays``.
    """
    override = calendar.overrides.get(day)
    if override is not None:
        return override
    if calendar.follows_statutory_holidays:
        status = statutory_status(day)
        if status == HOLIDAY:
            return False
        if status == MAKEUP_WORKDAY:
            return True
    return day.weekday() in calendar.workdays


def _next_working_day(calendar: Calendar, day: date) -> date:
    """The first working day strictly after ``day``.

    ValueError when none lies within MAX_SEARCH_DAYS (a calendar without working days).
    """
    candidate = day
    for _ in range(MAX_SEARCH_DAYS):
        candidate += _ONE_DAY
        if is_working_day(calendar, candidate):
            return candidate
    msg = f"no working day within {MAX_SEARCH_DAYS} days after {day}"
    raise ValueError(msg)


def _first_working_day_from(calendar: Calendar, day: date) -> date:
    """``day`` itself if it is a working day, else the next working day."""
    if is_working_day(calendar, day):
        return day
    return _next_working_day(calendar, day)


def add_working_days(calendar: Calendar, start: date, days: int) -> date:
    """The date of the ``days``-th working day after ``start``.

    Counting starts the day after ``start``; ``days == 0`` returns ``start`` unchanged (even on a
    day off). Negative ``days`` and a calendar with no working day within MAX_SEARCH_DAYS raise
    ValueError.
    """
    if days < 0:
        msg = f"days must not be negative, got {days}"
        raise ValueError(msg)
    day = start
    for _ in range(days):
        day = _next_working_day(calendar, day)
    return day


def _to_microseconds(hours: float | int | Decimal) -> int:
    """A number of hours as whole microseconds, rounded half-to-even.

    Floats go through their shortest decimal repr, so 0.1 h is exactly 360 000 000 µs.
    ValueError for NaN, infinities and negative values.
    """
    if isinstance(hours, float):
        if not math.isfinite(hours):
            msg = f"hours must be finite, got {hours}"
            raise ValueError(msg)
        amount = Decimal(repr(hours))
    else:
        amount = Decimal(hours)
        if not amount.is_finite():
            msg = f"hours must be finite, got {hours}"
            raise ValueError(msg)
    if amount < 0:
        msg = f"hours must not be negative, got {hours}"
        raise ValueError(msg)
    return int((amount * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_EVEN))


def _span_microseconds(start: datetime, end: datetime) -> int:
    """The wall-clock length of ``end - start`` in whole microseconds."""
    return (end - start) // timedelta(microseconds=1)


def _local_wall_clock(calendar: Calendar, moment: datetime, name: str) -> datetime:
    """``moment`` as a naive wall-clock datetime of the calendar's zone.

    ValueError when ``moment`` is naive (its zone would be a guess).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"{name} must be an aware datetime, got naive {moment.isoformat()}"
        raise ValueError(msg)
    return moment.astimezone(calendar.zone).replace(tzinfo=None)


def add_business_hours(
    calendar: Calendar, start: datetime, hours: float | int | Decimal
) -> datetime:
    """The moment ``hours`` working hours after ``start``, aware, in the calendar's zone.

    ``start`` must be aware. ``hours == 0`` returns ``start`` unchanged; negative hours raise
    ValueError. Otherwise the clock starts at ``start`` inside working hours, at ``day_start``
    when ``start`` is earlier on a working day, and at the next working day's ``day_start`` when
    ``start`` is at or after ``day_end`` or on a day off; it then runs only inside the
    [day_start, day_end) windows of working days. Hours running out exactly at ``day_end`` end
    at ``day_end`` of that day, not the next morning, so add(add(s, a), b) == add(s, a + b).
    Arithmetic is in whole microseconds on the wall clock of the calendar's zone.
    """
    local = _local_wall_clock(calendar, start, "start")
    remaining = _to_microseconds(hours)
    if remaining == 0:
        return start
    zone = calendar.zone
    day = local.date()
    if not is_working_day(calendar, day) or local.time() >= calendar.day_end:
        day = _next_working_day(calendar, day)
        cursor = datetime.combine(day, calendar.day_start)
    elif local.time() < calendar.day_start:
        cursor = datetime.combine(day, calendar.day_start)
    else:
        cursor = local
    while True:
        window_end = datetime.combine(day, calendar.day_end)
        available = _span_microseconds(cursor, window_end)
        if remaining <= available:
            return (cursor + timedelta(microseconds=remaining)).replace(tzinfo=zone)
        remaining -= available
        day = _next_working_day(calendar, day)
        cursor = datetime.combine(day, calendar.day_start)


def business_hours_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """The working hours elapsed from ``start`` to ``end``; 0.0 when ``end <= start``.

    Both must be aware. Counts the overlap of [start, end) with the [day_start, day_end) windows
    of working days, on the wall clock of the calendar's zone, in whole microseconds; it is the
    inverse of ``add_business_hours``: between(s, add(s, h)) == h.
    """
    local_start = _local_wall_clock(calendar, start, "start")
    local_end = _local_wall_clock(calendar, end, "end")
    if end <= start:
        return 0.0
    total = 0
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(calendar, day):
            window_start = max(datetime.combine(day, calendar.day_start), local_start)
            window_end = min(datetime.combine(day, calendar.day_end), local_end)
            if window_start < window_end:
                total += _span_microseconds(window_start, window_end)
        day += _ONE_DAY
    return total / _MICROSECONDS_PER_HOUR


def legal_deadline(
    calendar: Calendar,
    trigger: date | datetime,
    days: int,
    *,
    working_days: bool = False,
) -> datetime:
    """The end of a legal period of ``days`` days after ``trigger``, aware, in the calendar's zone.

    Chinese rule (Civil Code arts. 201, 203): the period starts the day after the trigger; its last
    day is trigger_date + days (or the ``days``-th working day after it when ``working_days``);
    a last day that is not a working day moves to the next working day; the period ends at 24:00
    of the last day, returned as 00:00 of the following day. A datetime trigger (which must be
    aware) is converted to the calendar's zone and its date is used. Negative ``days`` raise
    ValueError.
    """
    if days < 0:
        msg = f"days must not be negative, got {days}"
        raise ValueError(msg)
    if isinstance(trigger, datetime):
        trigger_date = _local_wall_clock(calendar, trigger, "trigger").date()
    else:
        trigger_date = trigger
    if working_days:
        last_day = add_working_days(calendar, trigger_date, days)
    else:
        last_day = trigger_date + timedelta(days=days)
    last_day = _first_working_day_from(calendar, last_day)
    following = last_day + _ONE_DAY
    return datetime(
        following.year, following.month, following.day, tzinfo=calendar.zone
    )
