"""SLA deadline maths (pure): the due times of a case from a service standard's SLA matrix
and the unit's business calendar. `now` and the start are parameters; no database access.
Tickets store the results and never recompute them when the standard changes later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from standards import calendar as business_calendar
from standards.parameters import get_path

CLOCKS = ("acknowledge", "first_contact", "onsite", "resolve")


@dataclass(frozen=True)
class DueTimes:
    """When each clock of a case is due (None: the clock does not apply)."""

    acknowledge: datetime | None
    first_contact: datetime | None
    onsite: datetime | None
    resolve: datetime | None

    def as_dict(self) -> dict[str, datetime | None]:
        """{clock name: due time}."""
        return {clock: getattr(self, clock) for clock in CLOCKS}


def add_hours(
    calendar: business_calendar.Calendar,
    start: datetime,
    hours: Any,
    *,
    business_hours: bool,
) -> datetime:
    """`start` plus `hours`, in business hours of `calendar` or in calendar hours.
    `start` must be aware (ValueError otherwise), as in business hours."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    if business_hours:
        return business_calendar.add_business_hours(calendar, start, hours)
    return (start + timedelta(hours=float(Decimal(str(hours))))).astimezone(
        calendar.zone
    )


def target_hours(
    parameters: Mapping[str, Any], clock: str, *, priority: str, region: str = "urban"
) -> Any:
    """The hours the standard allows for one clock (on-site by region, others by priority)."""
    if clock == "onsite":
        return get_path(parameters, f"sla.onsite.{region}")
    return get_path(parameters, f"sla.{clock}.{priority}")


def compute_due_times(
    parameters: Mapping[str, Any],
    *,
    priority: str,
    start: datetime,
    calendar: business_calendar.Calendar,
    region: str = "urban",
    needs_onsite: bool = True,
) -> DueTimes:
    """Due times of every clock from the SLA matrix (`sla.<clock>.<priority>`, on-site by
    region), counted in business hours when `sla.business_hours` is on."""
    business_hours = bool(get_path(parameters, "sla.business_hours", False))
    due: dict[str, datetime | None] = {}
    for clock in CLOCKS:
        hours = target_hours(parameters, clock, priority=priority, region=region)
        if hours is None or (clock == "onsite" and not needs_onsite):
            due[clock] = None
        else:
            due[clock] = add_hours(
                calendar, start, hours, business_hours=business_hours
            )
    return DueTimes(**due)
