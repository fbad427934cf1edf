"""GB/T 27922 self-assessment arithmetic (domain §4), pure: the score of an assessment
and the band it reaches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

BAND_LABELS = {
    "": _("below compliant"),
    "compliant": _("compliant"),
    "three_stars": _("three stars"),
    "four_stars": _("four stars"),
    "five_stars": _("five stars"),
}


def score(
    *, obtained: Decimal, applicable: Decimal, deductions: int, bonus: bool
) -> Decimal | None:
    """Points obtained ÷ applicable points × 100, less one per special deduction, plus
    one for the bonus; to the hundredth. None when nothing is applicable."""
    if applicable <= 0:
        return None
    value = obtained / applicable * 100 - deductions + (1 if bonus else 0)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def band(value: Decimal | None, bands: Iterable[Mapping[str, Any]]) -> str:
    """The highest band whose minimum `value` reaches ('' below them all)."""
    if value is None:
        return ""
    reached = [b for b in bands if value >= Decimal(str(b["min"]))]
    return max(reached, key=lambda b: Decimal(str(b["min"])))["band"] if reached else ""
