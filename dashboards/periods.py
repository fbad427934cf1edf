"""Reporting periods: a day, an ISO week, a calendar month or quarter, or a custom range of
days, in the company's time zone. Pure Python (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

# The longest custom period asked for (ten years of days): beyond it a request is refused.
MAX_DAYS = 3660


class PeriodKind(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    CUSTOM = "custom", _("Custom")


def _month_start(day: date, back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """The days `first` to `last` (both included) of a kind."""

    kind: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def span(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end): midnight of the first day to midnight after the last, in `zone`."""
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return start, end

    def previous(self) -> Period:
        """The period of the same kind just before (a custom one: as many days before)."""
        if self.kind == PeriodKind.MONTH:
            return period_containing(PeriodKind.MONTH, _month_start(self.first, 1))
        if self.kind == PeriodKind.QUARTER:
            return period_containing(PeriodKind.QUARTER, _month_start(self.first, 3))
        last = self.first - timedelta(days=1)
        return Period(self.kind, last - timedelta(days=self.days - 1), last)

    def series(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first (trend charts)."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods[::-1]

    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return self.first.isoformat()
        if self.kind == PeriodKind.WEEK:
            year, week, _weekday = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def period_containing(kind: str, day: date) -> Period:
    """The day, ISO week (Monday to Sunday), month or quarter that holds `day`."""
    if kind == PeriodKind.DAY:
        return Period(kind, day, day)
    if kind == PeriodKind.WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == PeriodKind.MONTH:
        first = day.replace(day=1)
        return Period(kind, first, _month_start(first, -1) - timedelta(days=1))
    if kind == PeriodKind.QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _month_start(first, -3) - timedelta(days=1))
    msg = f"unknown period kind {kind!r}"
    raise ValueError(msg)


def custom_period(first: date, last: date) -> Period:
    return Period(PeriodKind.CUSTOM, first, last)
