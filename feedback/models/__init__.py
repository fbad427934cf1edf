"""Models of the feedback app, the loop layer above tickets: `followups.py` (follow-ups,
questionnaires), `voice.py` (QA re-calls, feedback items, quality notices) and `care.py`
(care programmes). The customer archive is the `customers` app."""

from feedback.models.care import CareProgramme, CareRun, CareTouch
from feedback.models.followups import (
    FollowUp,
    FollowUpAttempt,
    FollowUpQuerySet,
    Questionnaire,
)
from feedback.models.voice import (
    FeedbackItem,
    FeedbackItemQuerySet,
    ImprovementAction,
    QaFinding,
    QaRecall,
    QualityNotice,
    QualityNoticeRecipient,
)

__all__ = [
    "CareProgramme",
    "CareRun",
    "CareTouch",
    "FeedbackItem",
    "FeedbackItemQuerySet",
    "FollowUp",
    "FollowUpAttempt",
    "FollowUpQuerySet",
    "ImprovementAction",
    "QaFinding",
    "QaRecall",
    "QualityNotice",
    "QualityNoticeRecipient",
    "Questionnaire",
]
