"""Which service-standard version applies to a case (standards/resolver.py): pure choice by
scope. No database."""

from __future__ import annotations

from datetime import date

import pytest

from standards.resolver import Candidate, matches, pick, specificity


def candidate(
    version_id: int,
    *,
    category: str = "",
    channel: str = "",
    unit_path: str = "",
    effective_from: date = date(2026, 1, 1),
    version: int = 1,
) -> Candidate:
    return Candidate(
        version_id=version_id,
        category=category,
        channel=channel,
        unit_path=unit_path,
        effective_from=effective_from,
        version=version,
    )


COMPANY = candidate(1)
FRIDGES = candidate(2, category="refrigerator")
BRANCH = candidate(3, unit_path="/1/2/")
HOTLINE = candidate(4, unit_path="/1/2/3/")
PHONE = candidate(5, channel="hotline")
BRANCH_FRIDGES = candidate(6, category="refrigerator", unit_path="/1/2/")
UNIT_12 = candidate(7, unit_path="/12/")
UNIT_1 = candidate(8, unit_path="/1/")
ALL = [COMPANY, FRIDGES, BRANCH, HOTLINE, PHONE, BRANCH_FRIDGES, UNIT_12]


@pytest.mark.parametrize(
    ("cand", "case", "expected"),
    [
        (COMPANY, {"category": "", "channel": "", "unit_path": ""}, True),
        (COMPANY, {"category": "tv", "channel": "portal", "unit_path": "/9/"}, True),
        (FRIDGES, {"category": "refrigerator", "channel": "", "unit_path": ""}, True),
        (FRIDGES, {"category": "tv", "channel": "", "unit_path": ""}, False),
        (FRIDGES, {"category": "", "channel": "", "unit_path": ""}, False),
        (BRANCH, {"category": "", "channel": "", "unit_path": "/1/2/"}, True),
        (BRANCH, {"category": "", "channel": "", "unit_path": "/1/2/3/"}, True),
        (BRANCH, {"category": "", "channel": "", "unit_path": "/1/"}, False),
        (BRANCH, {"category": "", "channel": "", "unit_path": "/1/4/"}, False),
        (BRANCH, {"category": "", "channel": "", "unit_path": ""}, False),
        # "/1/" is not a prefix of "/12/": the trailing slash keeps siblings apart.
        (UNIT_12, {"category": "", "channel": "", "unit_path": "/1/"}, False),
        (UNIT_1, {"category": "", "channel": "", "unit_path": "/12/"}, False),
        (PHONE, {"category": "tv", "channel": "hotline", "unit_path": ""}, True),
        (PHONE, {"category": "tv", "channel": "portal", "unit_path": ""}, False),
        (BRANCH_FRIDGES, {"category": "refrigerator", "channel": "", "unit_path": "/1/2/3/"}, True),
        (BRANCH_FRIDGES, {"category": "refrigerator", "channel": "", "unit_path": "/1/5/"}, False),
        (BRANCH_FRIDGES, {"category": "tv", "channel": "", "unit_path": "/1/2/"}, False),
    ],
)  # fmt: skip
def test_matches(cand, case, expected):
    assert matches(cand, **case) is expected


@pytest.mark.parametrize(
    ("case", "expected_id"),
    [
        # Nothing specific applies: the company-wide standard.
        ({}, 1),
        ({"category": "tv"}, 1),
        ({"category": "tv", "unit_path": "/1/4/"}, 1),
        # A named category beats any.
        ({"category": "refrigerator"}, 2),
        # A unit scope applies to its subtree, the deepest unit winning.
        ({"category": "tv", "unit_path": "/1/2/"}, 3),
        ({"category": "tv", "unit_path": "/1/2/5/"}, 3),
        ({"category": "tv", "unit_path": "/1/2/3/"}, 4),
        ({"category": "tv", "unit_path": "/1/2/3/9/"}, 4),
        # A named category beats a deeper unit; both named beat category alone.
        ({"category": "refrigerator", "unit_path": "/1/2/3/"}, 6),
        ({"category": "refrigerator", "unit_path": "/1/7/"}, 2),
        # A unit beats a channel; a channel beats any.
        ({"category": "tv", "channel": "hotline"}, 5),
        ({"category": "tv", "channel": "hotline", "unit_path": "/1/2/"}, 3),
        ({"channel": "hotline", "unit_path": "/12/"}, 7),
    ],
)
def test_pick_chooses_the_most_specific_covering_candidate(case, expected_id):
    assert pick(ALL, **case).version_id == expected_id


def test_pick_returns_none_when_nothing_covers_the_case():
    assert pick([FRIDGES, BRANCH], category="tv", unit_path="/9/") is None
    assert pick([]) is None


def test_pick_prefers_the_later_start_then_the_higher_version_among_equals():
    older = candidate(10, effective_from=date(2025, 1, 1), version=9)
    newer = candidate(11, effective_from=date(2026, 1, 1), version=1)
    same_day_v2 = candidate(12, effective_from=date(2026, 1, 1), version=2)
    assert pick([older, newer]).version_id == 11
    assert pick([older, newer, same_day_v2]).version_id == 12
    assert pick([same_day_v2, newer, older]).version_id == 12


@pytest.mark.parametrize(
    ("cand", "key"),
    [
        (COMPANY, (False, 0, False, date(2026, 1, 1), 1)),
        (FRIDGES, (True, 0, False, date(2026, 1, 1), 1)),
        (BRANCH, (False, 3, False, date(2026, 1, 1), 1)),
        (HOTLINE, (False, 4, False, date(2026, 1, 1), 1)),
        (PHONE, (False, 0, True, date(2026, 1, 1), 1)),
        (BRANCH_FRIDGES, (True, 3, False, date(2026, 1, 1), 1)),
    ],
)
def test_specificity_key(cand, key):
    assert specificity(cand) == key


def test_specificity_orders_category_then_unit_depth_then_channel():
    ordered = sorted(ALL, key=specificity, reverse=True)
    assert [c.version_id for c in ordered] == [6, 2, 4, 3, 7, 5, 1]
