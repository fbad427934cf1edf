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


# --- Warn points, pauses, escalation, clock states ---------------------------------------

# Domain §6: a clock warns at 80 % of its time and escalates to the managers at 200 %.
WARN_FRACTION = Decimal("0.8")
ESCALATION_FACTOR = 2


def counts_business_hours(parameters: Mapping[str, Any]) -> bool:
    """Whether the standard's clocks count business hours (`sla.business_hours`)."""
    return bool(get_path(parameters, "sla.business_hours", False))


def warn_point(start: datetime, due: datetime | None) -> datetime | None:
    """The moment a clock warns: 80 % of the way from its start to its due time."""
    if due is None:
        return None
    return start + (due - start) * float(WARN_FRACTION)


def clock_times(
    parameters: Mapping[str, Any],
    *,
    priority: str,
    start: datetime,
    calendar: business_calendar.Calendar,
    region: str = "urban",
    needs_onsite: bool = True,
) -> dict[str, datetime | None]:
    """The stored times of every clock started at `start` (a new case, or the fresh resolve
    clock of a reopened one): `<clock>_due_at` and its `<clock>_warn_at`."""
    due = compute_due_times(
        parameters,
        priority=priority,
        start=start,
        calendar=calendar,
        region=region,
        needs_onsite=needs_onsite,
    )
    times: dict[str, datetime | None] = {}
    for clock, value in due.as_dict().items():
        times[f"{clock}_due_at"] = value
        times[f"{clock}_warn_at"] = warn_point(start, value)
    return times


def no_clock_times() -> dict[str, datetime | None]:
    """The stored times of a case without an SLA: every due and warn time empty."""
    return {f"{clock}_{kind}_at": None for clock in CLOCKS for kind in ("due", "warn")}


def shift_for_pause(
    moment: datetime | None,
    *,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: business_calendar.Calendar,
    business_hours: bool,
) -> datetime | None:
    """A due or warn time moved by the time a pause took, counted in the clock's own time
    base: the business hours between pause and resume for a business-hours standard (a
    pause from Friday 18:00 to Monday 09:00 moves nothing), the wall-clock time otherwise."""
    if moment is None:
        return None
    if not business_hours:
        return moment + (resumed_at - paused_at)
    lost = business_calendar.business_hours_between(calendar, paused_at, resumed_at)
    if not lost:
        return moment
    return business_calendar.add_business_hours(calendar, moment, lost)


def hours_after(start: datetime, hours: Any) -> datetime | None:
    """`start` plus `hours` calendar hours (a handover's acceptance window from the
    standard, an accepted commitment such as "diagnose in 48 h"); None without hours."""
    if not hours:
        return None
    return start + timedelta(hours=float(Decimal(str(hours))))


# The steps of a running clock, in the order they come; the last ends its escalation.
ESCALATION_STEPS = ("warning", "breach", "manager")


def escalation_steps(
    *, started_at: datetime, due: datetime, now: datetime
) -> list[str]:
    """The escalation steps a running clock has reached at `now`: "warning" (its warn point
    has come: the caller selects clocks past it), "breach" at the due time (100 %), and
    "manager" at twice its time (200 %)."""
    warning, breach, manager = ESCALATION_STEPS
    steps = [warning]
    if now >= due:
        steps.append(breach)
    total = (due - started_at).total_seconds()
    if total > 0 and (now - started_at).total_seconds() >= ESCALATION_FACTOR * total:
        steps.append(manager)
    return steps


@dataclass(frozen=True)
class ClockState:
    """Where one clock stands: `state` is none (no such clock, or moot), met, met_late,
    missed, paused, overdue, warning (at risk: past its warn point) or running; `hours_left` is the
    time to the due time (negative when over), in business hours when the standard counts
    them, for the clocks still running."""

    state: str
    hours_left: float | None = None

    @property
    def hours_over(self) -> float | None:
        """How far past the due time a running clock is (None when not over)."""
        if self.hours_left is None or self.hours_left >= 0:
            return None
        return -self.hours_left


def clock_state(
    *,
    due: datetime | None,
    warn: datetime | None,
    done: datetime | None,
    is_open: bool,
    ended_at: datetime | None,
    paused_at: datetime | None,
    now: datetime,
    calendar: business_calendar.Calendar | None = None,
) -> ClockState:
    """The state of one clock of a case at `now` (the one rule behind the case page, the
    queue badge and the API). A met clock is met (late when after its due time); a finished
    case's unmet clock is missed when the case ended after it, moot otherwise; a paused
    case's clocks stand still at the pause; time left is counted in business hours of
    `calendar` when given, else in wall-clock hours."""
    if due is None:
        return ClockState("none")
    if done is not None:
        return ClockState("met" if done <= due else "met_late")
    if not is_open:
        return ClockState("missed" if ended_at and ended_at > due else "none")
    at = paused_at or now
    if calendar is not None:
        left = business_calendar.business_hours_between(calendar, at, due)
        if due <= at:
            left = -business_calendar.business_hours_between(calendar, due, at)
    else:
        left = (due - at).total_seconds() / 3600
    if paused_at:
        state = "paused"
    elif due <= now:
        state = "overdue"
    elif warn is not None and warn <= now:
        state = "warning"
    else:
        state = "running"
    return ClockState(state, left)
