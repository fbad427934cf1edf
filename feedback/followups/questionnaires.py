"""Questionnaire content and scales (domain §7), pure Python: the default questions, the
shape of `Questionnaire.questions`, score ranges per scale, the dissatisfaction rule, and
no database access (quiet hours: standards.quiet).

`questions` is a dictionary:

    {"score": "How satisfied are you with our service?",
     "resolved": "Is the problem solved?",
     "conduct": [{"code": "shoe_covers", "text": "Did the technician wear shoe covers?"}],
     "comment": "Anything else you want to tell us?",
     "topics": [{"code": "delivery", "label": "Delivery"}]}

Dissatisfaction (documented mapping): the service standard's `dissatisfied_at_or_below`
applies when the questionnaire uses the standard's own scale. A questionnaire on another
scale uses that scale's conventional line: CSAT 1–5 ≤ 2, NPS 0–10 ≤ 6 (detractors), three
levels ≤ 1 (dissatisfied). "Problem not solved" is always dissatisfied, whatever the score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from standards.parameters import SurveyScale

# (lowest, highest) score of each scale.
SCALE_RANGES: dict[str, tuple[int, int]] = {
    SurveyScale.CSAT5: (1, 5),
    SurveyScale.NPS10: (0, 10),
    SurveyScale.THREE_LEVEL: (1, 3),
}
# The conventional "dissatisfied at or below" of each scale (see the module docstring).
SCALE_DISSATISFIED_AT_OR_BELOW: dict[str, int] = {
    SurveyScale.CSAT5: 2,
    SurveyScale.NPS10: 6,
    SurveyScale.THREE_LEVEL: 1,
}
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


def default_questions(conduct_checklist: Sequence[str] = ()) -> dict[str, Any]:
    """The starting questions of a new questionnaire (in the current language): overall
    satisfaction, problem solved, one conduct question per item of the standard's on-site
    conduct checklist, free text with a few topic codes."""
    return {
        "score": _("How satisfied are you with our service?"),
        "resolved": _("Is the problem solved?"),
        "conduct": [
            {"code": slug(item), "text": _conduct_question(str(item))}
            for item in conduct_checklist
        ],
        "comment": _("Is there anything else you want to tell us?"),
        "topics": [
            {"code": "attitude", "label": _("Staff attitude")},
            {"code": "timeliness", "label": _("Waiting time")},
            {"code": "price", "label": _("Fees")},
            {"code": "quality", "label": _("Product quality")},
            {"code": "delivery", "label": _("Delivery and appointments")},
        ],
    }


def _conduct_question(item: str) -> str:
    """ "Wear shoe covers" → "Did our staff wear shoe covers?"."""
    return _("Did our staff %(item)s?") % {"item": item[:1].lower() + item[1:]}


def slug(text: str) -> str:
    """A topic or conduct code from a label ("Show ID" → "show_id")."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:50] or "item"


def validate_questions(questions: Any) -> dict[str, Any]:
    """The questions in their normal shape; ValidationError({"questions": [...]}) when
    something is missing or a code is malformed or repeated."""
    errors: list[str] = []
    if not isinstance(questions, Mapping):
        raise ValidationError({"questions": [_("The questions must be an object.")]})
    result: dict[str, Any] = {}
    for key in ("score", "resolved", "comment"):
        text = str(questions.get(key) or "").strip()
        if not text and key != "comment":
            errors.append(_("Write the question “%(key)s”.") % {"key": key})
        result[key] = text
    for key, text_key in (("conduct", "text"), ("topics", "label")):
        items = questions.get(key) or []
        seen: set[str] = set()
        cleaned = []
        if not isinstance(items, list):
            errors.append(_("“%(key)s” must be a list.") % {"key": key})
            items = []
        for item in items:
            code = (
                str(item.get("code", "")).strip() if isinstance(item, Mapping) else ""
            )
            text = (
                str(item.get(text_key, "")).strip() if isinstance(item, Mapping) else ""
            )
            if not CODE.match(code) or not text:
                errors.append(
                    _("Each %(key)s entry needs a code (a–z, 0–9, _ or -) and a text.")
                    % {"key": key}
                )
                continue
            if code in seen:
                errors.append(_("The code “%(code)s” is used twice.") % {"code": code})
                continue
            seen.add(code)
            cleaned.append({"code": code, text_key: text})
        result[key] = cleaned
    if errors:
        raise ValidationError({"questions": errors})
    return result


def score_range(scale: str) -> tuple[int, int]:
    """The lowest and highest score of a scale."""
    return SCALE_RANGES.get(scale, SCALE_RANGES[SurveyScale.CSAT5])


def dissatisfied_line(*, scale: str, parameters: Mapping[str, Any]) -> int:
    """The score at or below which an answer on `scale` is dissatisfied: the standard's
    `followup.dissatisfied_at_or_below` when the standard asks on the same scale, else the
    scale's conventional line."""
    followup = parameters.get("followup", {}) if parameters else {}
    if (
        followup.get("scale", SurveyScale.CSAT5) == scale
        and followup.get("dissatisfied_at_or_below") is not None
    ):
        return int(followup["dissatisfied_at_or_below"])
    return SCALE_DISSATISFIED_AT_OR_BELOW.get(scale, 2)


def is_dissatisfied(*, score: int, resolved: bool, line: int) -> bool:
    """Dissatisfied: the problem is not solved, or the score is at or below the line."""
    return not resolved or score <= line
