"""Quiet hours (domain §5, §7): the spans of the day in which the customer is not called
or sent an automatic message: the standard's `followup.quiet_hours` and the customer's own.
Pure arithmetic on local times; no database access."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any


def parse_time(value: Any) -> time | None:
    """ "21:00" (or a time) → time; None for empty or malformed values."""
    if isinstance(value, time):
        return value
    match = re.match(r"^([01]?\d|2[0-3]):([0-5]\d)$", str(value or "").strip())
    return time(int(match[1]), int(match[2])) if match else None


def quiet_spans(
    standard: Mapping[str, Any] | None, customer: tuple[Any, Any] = (None, None)
) -> list[tuple[time, time]]:
    """The quiet spans that apply: the standard's `followup.quiet_hours` {"start",
    "end"} ("HH:MM", local time, may wrap midnight) and the customer's own quiet hours."""
    spans = []
    start = parse_time((standard or {}).get("start"))
    end = parse_time((standard or {}).get("end"))
    if start and end and start != end:
        spans.append((start, end))
    c_start, c_end = parse_time(customer[0]), parse_time(customer[1])
    if c_start and c_end and c_start != c_end:
        spans.append((c_start, c_end))
    return spans


def _inside(moment: time, span: tuple[time, time]) -> bool:
    start, end = span
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # wraps midnight


def in_quiet_hours(local: datetime, spans: list[tuple[time, time]]) -> bool:
    """Whether a local time falls inside any quiet span."""
    moment = local.time().replace(tzinfo=None)
    return any(_inside(moment, span) for span in spans)


def next_outside_quiet_hours(
    local: datetime, spans: list[tuple[time, time]]
) -> datetime:
    """The first moment at or after `local` (an aware local time) outside every quiet
    span: a time inside a span moves to that span's end (repeated, since spans may
    overlap)."""
    for _step in range(len(spans) * 2 + 1):
        moment = local.time().replace(tzinfo=None)
        for span in spans:
            if _inside(moment, span):
                end = span[1]
                candidate = local.replace(
                    hour=end.hour, minute=end.minute, second=0, microsecond=0
                )
                if candidate <= local:
                    candidate += timedelta(days=1)
                local = candidate
                break
        else:
            return local
    return local
