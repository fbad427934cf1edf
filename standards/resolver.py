"""Which service-standard version applies to a case: a pure choice among the versions in
force, by scope (product category, channel, unit). No database access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Candidate:
    """A service-standard version in force, reduced to what the choice needs.

    Blank `category`/`channel` and empty `unit_path` mean "any".
    """

    version_id: int
    category: str
    channel: str
    unit_path: str
    effective_from: date
    version: int


def matches(
    candidate: Candidate, *, category: str, channel: str, unit_path: str
) -> bool:
    """Whether the candidate's scope covers the case: each scope field is "any" or equal
    (the unit scope covers its whole subtree)."""
    return (
        (not candidate.category or candidate.category == category)
        and (not candidate.channel or candidate.channel == channel)
        and (not candidate.unit_path or unit_path.startswith(candidate.unit_path))
    )


def specificity(candidate: Candidate) -> tuple:
    """Sort key, most specific first: a named category beats any, a deeper unit beats a
    shallower one, a named channel beats any; then the later start, then the higher version."""
    return (
        bool(candidate.category),
        candidate.unit_path.count("/"),
        bool(candidate.channel),
        candidate.effective_from,
        candidate.version,
    )


def pick(
    candidates: list[Candidate],
    *,
    category: str = "",
    channel: str = "",
    unit_path: str = "",
) -> Candidate | None:
    """The most specific candidate whose scope covers the case, or None."""
    covering = [
        c
        for c in candidates
        if matches(c, category=category, channel=channel, unit_path=unit_path)
    ]
    return max(covering, key=specificity, default=None)
