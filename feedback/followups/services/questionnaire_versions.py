"""Questionnaire versions (the quality manager's editor) and the default questionnaire."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions
from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import User
from feedback.followups import questionnaires, selectors
from feedback.followups.services.common import (
    DEFAULT_QUESTIONNAIRE_CODE,
    followup_parameters,
)
from feedback.models import Questionnaire
from standards.models import StandardVersion
from standards.parameters import (
    DEFAULT_CONDUCT_CHECKLIST,
    DEFAULT_SERVICE_PARAMETERS,
    SurveyScale,
)

# --- Questionnaires ----------------------------------------------------------------------


def _require_quality(actor: User) -> None:
    if not permissions.can_edit_questionnaires(actor):
        raise PermissionDenied(_("Only the quality manager edits questionnaires."))


def questionnaire_for(version: StandardVersion | None) -> Questionnaire:
    """The active questionnaire for the pinned standard; the first time, a default one
    (on the standard's scale, one conduct question per checklist item) is made active."""
    found = selectors.questionnaire_active(
        standard_document_id=version.document_id if version else None
    )
    if found is not None:
        return found
    parameters = (version.parameters if version else {}) or DEFAULT_SERVICE_PARAMETERS
    checklist = parameters.get("conduct_checklist") or DEFAULT_CONDUCT_CHECKLIST
    try:
        with transaction.atomic():
            return Questionnaire.objects.create(
                code=DEFAULT_QUESTIONNAIRE_CODE,
                version=1,
                title=_("After-service follow-up"),
                status=Questionnaire.Status.ACTIVE,
                scale=followup_parameters(version).get("scale", SurveyScale.CSAT5),
                questions=questionnaires.default_questions(checklist),
                activated_at=timezone.now(),
            )
    except IntegrityError:  # made by a concurrent scheduler
        return selectors.questionnaire_active(standard_document_id=None)


@transaction.atomic
def questionnaire_create(
    *,
    actor: User,
    code: str,
    title: str,
    scale: str,
    questions: dict[str, Any] | None = None,
    standard=None,
) -> Questionnaire:
    """Draft a new questionnaire (the next version of `code`)."""
    _require_quality(actor)
    questions = questionnaires.validate_questions(
        questions or questionnaires.default_questions(DEFAULT_CONDUCT_CHECKLIST)
    )
    number = (
        Questionnaire.objects.filter(code=code).aggregate(n=Max("version"))["n"] or 0
    ) + 1
    questionnaire = Questionnaire(
        code=code,
        version=number,
        title=title,
        scale=scale,
        questions=questions,
        standard=standard,
        created_by=actor,
    )
    questionnaire.full_clean(exclude=["version"])
    questionnaire.save()
    return questionnaire


@transaction.atomic
def questionnaire_new_version(
    *, actor: User, questionnaire: Questionnaire
) -> Questionnaire:
    """A draft copy of a version (usually the active one) to edit: the next number."""
    return questionnaire_create(
        actor=actor,
        code=questionnaire.code,
        title=questionnaire.title,
        scale=questionnaire.scale,
        questions=questionnaire.questions,
        standard=questionnaire.standard,
    )


@transaction.atomic
def questionnaire_update(
    *,
    actor: User,
    questionnaire: Questionnaire,
    title: str,
    scale: str,
    questions: dict[str, Any],
    standard=None,
) -> Questionnaire:
    """Edit a draft (an active or retired version is never edited)."""
    _require_quality(actor)
    if questionnaire.status != Questionnaire.Status.DRAFT:
        raise InvalidTransition(
            _("Only a draft is edited: make a new version of this one.")
        )
    questionnaire.title, questionnaire.scale, questionnaire.standard = (
        title,
        scale,
        standard,
    )
    questionnaire.questions = questionnaires.validate_questions(questions)
    questionnaire.full_clean()
    updated = Questionnaire.objects.filter(
        pk=questionnaire.pk, status=Questionnaire.Status.DRAFT
    ).update(
        title=title,
        scale=scale,
        standard=standard,
        questions=questionnaire.questions,
    )
    if not updated:
        raise StaleObject()
    return questionnaire


@transaction.atomic
def questionnaire_activate(
    *, actor: User, questionnaire: Questionnaire
) -> Questionnaire:
    """Make a draft the active version of its code; the version active before retires.
    Tasks already made keep the version they were asked with."""
    _require_quality(actor)
    now = timezone.now()
    Questionnaire.objects.filter(
        code=questionnaire.code, status=Questionnaire.Status.ACTIVE
    ).exclude(pk=questionnaire.pk).update(status=Questionnaire.Status.RETIRED)
    if not Questionnaire.objects.filter(
        pk=questionnaire.pk, status=Questionnaire.Status.DRAFT
    ).update(status=Questionnaire.Status.ACTIVE, activated_at=now):
        raise InvalidTransition(_("Only a draft can be activated."))
    questionnaire.refresh_from_db()
    return questionnaire
