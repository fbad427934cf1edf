"""Warranty (三包) validity of an owned product: a pure function of its dates, the legal
rule set's start basis and periods, and its validity events (domain §4). No database.

- The period starts on the basis date: the invoice (sale) date under the 1995 rules, the
  installation date else the delivery date under the 2024 rules (falling back to earlier
  dates when a later one is unknown).
- It runs `months` from that day: the last covered day is the day before the same date
  `months` later.
- Days in repair and days waiting for parts extend it; an exchange restarts it on the
  exchange date (a new unit), and only events after the last exchange count.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

EXTENDING = frozenset({"repair_days", "parts_wait_days"})
RESTARTING = "exchange"


@dataclass(frozen=True)
class Event:
    """A validity event: kind ("repair_days", "parts_wait_days", "exchange"), its date and
    its days (for extensions)."""

    kind: str
    on: date
    days: int = 0


@dataclass(frozen=True)
class Validity:
    """The computed validity: start, last covered day of the whole unit, of each component."""

    start: date | None
    whole_unit_end: date | None
    components: dict[str, date] = field(default_factory=dict)
    extension_days: int = 0
    restarted_on: date | None = None

    @property
    def main_components_end(self) -> date | None:
        """The last day any main component is still covered."""
        return max(self.components.values(), default=None)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_date(
    basis: str,
    *,
    sale_date: date,
    delivery_date: date | None,
    installation_date: date | None,
) -> date:
    """The basis date: invoice = sale date; delivery = delivery else sale date;
    installation_else_delivery = installation, else delivery, else sale date."""
    if basis == "invoice":
        return sale_date
    if basis == "delivery":
        return delivery_date or sale_date
    return installation_date or delivery_date or sale_date


def compute(
    *,
    basis: str,
    sale_date: date,
    delivery_date: date | None = None,
    installation_date: date | None = None,
    whole_unit_months: int | None,
    component_months: dict[str, int] | None = None,
    events: list[Event] | tuple[Event, ...] = (),
) -> Validity:
    """The validity of one product (see the module docstring for the rules)."""
    start = start_date(
        basis,
        sale_date=sale_date,
        delivery_date=delivery_date,
        installation_date=installation_date,
    )
    restarts = [e.on for e in events if e.kind == RESTARTING]
    restarted_on = max(restarts) if restarts else None
    if restarted_on is not None:
        start = restarted_on
    extension = sum(
        e.days
        for e in events
        if e.kind in EXTENDING and (restarted_on is None or e.on > restarted_on)
    )

    def end_after(months: int | None) -> date | None:
        if months is None:
            return None
        return add_months(start, months) - timedelta(days=1) + timedelta(days=extension)

    return Validity(
        start=start,
        whole_unit_end=end_after(whole_unit_months),
        components={name: end_after(m) for name, m in (component_months or {}).items()},
        extension_days=extension,
        restarted_on=restarted_on,
    )


def status_on(end: date | None, today: date, *, warning_days: int = 30) -> str:
    """ "valid", "expiring" (within `warning_days`), "expired", or "unknown" (no period)."""
    if end is None:
        return "unknown"
    if end < today:
        return "expired"
    if (end - today).days <= warning_days:
        return "expiring"
    return "valid"
