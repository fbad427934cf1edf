"""Attempts, the customer's answer (satisfied closes the case, dissatisfied reopens it
to the same first owner), a linked QA complaint, and the supervisor's close of an
unreachable customer's case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales import permissions
from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import Unit, User
from aftersales.roles import Role
from aftersales.services import notify
from feedback.followups import questionnaires
from feedback.followups.services.common import (
    S,
    alert_supervisors,
    followup_in_quiet_hours,
    next_attempt_fields,
    quiet_message,
    require_may_act,
    supervisors_of,
    ticket_actor,
)
from feedback.models import FollowUp, FollowUpAttempt
from standards.parameters import (
    ContactChannel,
    SurveyScale,
)
from tickets.cases import services as ticket_services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus

# --- Attempts ----------------------------------------------------------------------------


@transaction.atomic
def followup_attempt(
    *,
    followup: FollowUp,
    actor: User,
    channel: str,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
) -> FollowUpAttempt:
    """Record an attempt that did not get an answer: `no_answer` moves the task on to the
    next channel and time (outside quiet hours) and, at the standard's maximum, makes it
    unreachable; `refused` makes it declined. Both alert the supervisors when the task
    ends. Refused during quiet hours (ValidationError)."""
    now = now or timezone.now()
    errors = {}
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose phone, SMS, e-mail or WeChat.")]
    if outcome not in {
        FollowUpAttempt.Outcome.NO_ANSWER,
        FollowUpAttempt.Outcome.REFUSED,
    }:
        errors["outcome"] = [_("Choose “no_answer” or “refused”.")]
    if errors:
        raise ValidationError(errors)
    require_may_act(followup, actor)
    if followup.status not in FollowUp.OPEN_STATUSES:
        raise InvalidTransition(
            _("This follow-up is already %(status)s.")
            % {"status": followup.get_status_display()}
        )
    if followup_in_quiet_hours(followup, now=now):
        raise ValidationError(quiet_message(followup, now))
    fields: dict[str, Any]
    if outcome == FollowUpAttempt.Outcome.REFUSED:
        fields = {"status": S.DECLINED, "ended_at": now, "next_attempt_at": None}
    else:
        count = followup.attempts_count + 1
        fields = {"attempts_count": count, "status": S.IN_PROGRESS}
        if count >= followup.max_attempts:
            fields.update(status=S.UNREACHABLE, ended_at=now, next_attempt_at=None)
        else:
            fields.update(next_attempt_fields(followup, attempts=count, now=now))
    if not FollowUp.objects.filter(
        pk=followup.pk,
        status=followup.status,
        attempts_count=followup.attempts_count,
    ).update(**fields):
        raise StaleObject()
    for name, value in fields.items():
        setattr(followup, name, value)
    attempt = FollowUpAttempt.objects.create(
        followup=followup, at=now, channel=channel, outcome=outcome, by=actor, note=note
    )
    if followup.status == S.UNREACHABLE:
        alert_supervisors(followup, reason="unreachable")
    elif followup.status == S.DECLINED:
        alert_supervisors(followup, reason="declined")
    return attempt


# --- Completion --------------------------------------------------------------------------


def _clean_answer(
    followup: FollowUp,
    *,
    score: Any,
    resolved: Any,
    conduct: dict[str, Any] | None,
    topics,
    via: str,
) -> tuple[int, bool, dict[str, bool], list[str]]:
    """Check an answer against the task's questionnaire: the score on its scale, known
    conduct and topic codes."""
    questionnaire = followup.questionnaire
    scale = questionnaire.scale if questionnaire else SurveyScale.CSAT5
    questions = questionnaire.questions if questionnaire else {}
    low, high = questionnaires.score_range(scale)
    errors: dict[str, list[str]] = {}
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = None
    if score is None or not low <= score <= high:
        errors["score"] = [
            _("Give a score from %(low)s to %(high)s.") % {"low": low, "high": high}
        ]
    if not isinstance(resolved, bool):
        errors["resolved"] = [_("Say whether the problem is solved.")]
    conduct_codes = {item["code"] for item in questions.get("conduct", [])}
    conduct = dict(conduct or {})
    if not isinstance(conduct, dict) or set(conduct) - conduct_codes:
        errors["conduct"] = [
            _("Unknown conduct question: %(codes)s.")
            % {"codes": ", ".join(sorted(set(conduct) - conduct_codes))}
        ]
    elif not all(isinstance(v, bool) for v in conduct.values()):
        errors["conduct"] = [_("Answer each conduct question with true or false.")]
    topic_codes = {item["code"] for item in questions.get("topics", [])}
    topics = list(dict.fromkeys(topics or ()))
    if set(topics) - topic_codes:
        errors["topics"] = [
            _("Unknown topic code: %(codes)s.")
            % {"codes": ", ".join(sorted(set(topics) - topic_codes))}
        ]
    if via not in FollowUp.Via.values:
        errors["channel"] = [_("Unknown channel.")]
    if errors:
        raise ValidationError(errors)
    return score, resolved, conduct, topics


def _dissatisfaction_line(followup: FollowUp) -> int:
    scale = (
        followup.questionnaire.scale if followup.questionnaire else SurveyScale.CSAT5
    )
    policy = followup.policy or {}
    return questionnaires.dissatisfied_line(
        scale=scale,
        parameters={
            "followup": {
                "scale": policy.get("scale", SurveyScale.CSAT5),
                "dissatisfied_at_or_below": policy.get("dissatisfied_at_or_below"),
            }
        },
    )


def _timeliness(followup: FollowUp, now: datetime) -> str:
    if now < followup.opens_at:
        return FollowUp.Timeliness.EARLY
    if now > followup.closes_at:
        return FollowUp.Timeliness.LATE
    return FollowUp.Timeliness.ON_TIME


@transaction.atomic
def followup_complete(
    *,
    followup: FollowUp,
    actor: User | None,
    score: int,
    resolved: bool,
    comment: str = "",
    conduct: dict[str, bool] | None = None,
    topics=(),
    service_complaint: bool = False,
    via: str = FollowUp.Via.PHONE,
    now: datetime | None = None,
) -> FollowUp:
    """Record the customer's answer (`actor` None: the customer through the answer link).

    Allowed as soon as the task exists; outside its window it is flagged early or late.
    Dissatisfied when the problem is not solved or the score is at or below the line
    (questionnaires.py). On the case: satisfied closes it; dissatisfied reopens it at once
    to the same first owner (fresh resolve clock), alerts the supervisors, and the next
    resolution brings a second follow-up — this answer still counts as dissatisfied. A
    complaint about the service itself opens a linked complaint owned by QA. A completed
    task answers 409."""
    now = now or timezone.now()
    if actor is not None:
        require_may_act(followup, actor)
    score, resolved, conduct, topics = _clean_answer(
        followup, score=score, resolved=resolved, conduct=conduct, topics=topics,
        via=via,
    )  # fmt: skip
    if followup.status not in FollowUp.COMPLETABLE_STATUSES:
        raise InvalidTransition(
            _("This follow-up is already %(status)s.")
            % {"status": followup.get_status_display()}
        )
    ticket = followup.ticket
    if ticket is not None:
        ticket.refresh_from_db()
        if ticket.status != TicketStatus.AWAITING_FOLLOW_UP:
            raise InvalidTransition(
                _("The case no longer waits for its follow-up (it is %(status)s).")
                % {"status": ticket.get_status_display()}
            )
    dissatisfied = questionnaires.is_dissatisfied(
        score=score, resolved=resolved, line=_dissatisfaction_line(followup)
    )
    result = FollowUp.Result.DISSATISFIED if dissatisfied else FollowUp.Result.SATISFIED
    fields = {
        "status": S.COMPLETED,
        "result": result,
        "score": score,
        "resolved": resolved,
        "comment": comment.strip(),
        "conduct": conduct,
        "topics": topics,
        "service_complaint": service_complaint,
        "timeliness": _timeliness(followup, now),
        "completed_via": via,
        "completed_at": now,
        "completed_by": actor,
        "next_attempt_at": None,
    }
    if not FollowUp.objects.filter(
        pk=followup.pk, status__in=FollowUp.COMPLETABLE_STATUSES
    ).update(**fields):
        raise InvalidTransition(_("This follow-up was already completed."))
    for name, value in fields.items():
        setattr(followup, name, value)
    FollowUpAttempt.objects.create(
        followup=followup,
        at=now,
        channel=via,
        outcome=FollowUpAttempt.Outcome.REACHED,
        by=actor,
    )
    if ticket is not None:
        _apply_to_case(followup, ticket, actor=actor, now=now)
    if service_complaint:
        _open_service_complaint(followup, now=now)
    return followup


def _apply_to_case(
    followup: FollowUp, ticket: Ticket, *, actor: User | None, now: datetime
) -> None:
    """Satisfied closes the case; dissatisfied reopens it to its first owner and alerts
    the supervisors of the unit that did the work and of the first owner's unit."""
    summary = _("Follow-up: %(result)s (score %(score)s, problem %(solved)s).") % {
        "result": followup.get_result_display(),
        "score": followup.score,
        "solved": _("solved") if followup.resolved else _("not solved"),
    }
    note = f"{summary} {followup.comment}".strip()
    ticket_services.ticket_record_follow_up(
        ticket=ticket, actor=actor, outcome=followup.result, note=note, at=now
    )
    if followup.result == FollowUp.Result.SATISFIED:
        ticket_services.ticket_transition(
            ticket=ticket,
            action=TicketAction.CLOSE,
            actor=ticket_actor(actor, ticket, TicketStatus.CLOSED),
            note=note,
            now=now,
        )
        return
    worked_in = ticket.unit
    ticket_services.ticket_transition(
        ticket=ticket,
        action=TicketAction.REOPEN,
        actor=ticket_actor(actor, ticket, TicketStatus.REOPENED),
        note=note,
        now=now,
    )
    for person in supervisors_of(worked_in, ticket.unit):
        notify(
            recipient=person,
            kind="followup_dissatisfied",
            key=f"followup-dissatisfied:{followup.pk}:{person.pk}",
            title=gettext_lazy(
                "%(number)s: the customer is dissatisfied; reopened to %(owner)s"
            ),
            title_params={"number": ticket.number, "owner": ticket.first_owner.name},
            body=note,
            url=ticket.get_absolute_url(),
            email=True,
        )


def _qa_owner() -> User | None:
    """Who owns a complaint about the service: a quality manager in a QA unit, else any
    active member of a QA unit, else any quality manager with a unit."""
    people = User.objects.filter(is_active=True, memberships__isnull=False)
    in_qa = people.filter(memberships__unit__kind=Unit.Kind.QA)
    return (
        in_qa.filter(groups__name=Role.QUALITY_MANAGER).order_by("pk").first()
        or in_qa.order_by("pk").first()
        or people.filter(groups__name=Role.QUALITY_MANAGER).order_by("pk").first()
    )


def _open_service_complaint(followup: FollowUp, *, now: datetime) -> Ticket:
    """A complaint about the service itself opens a complaint linked to the case, first
    owned by QA (domain §7)."""
    owner = _qa_owner()
    if owner is None:
        raise ValidationError(
            {
                "service_complaint": [
                    _("Nobody in quality assurance can own the complaint: set up QA.")
                ]
            }
        )
    ticket = followup.ticket
    reference = ticket.number if ticket else f"#{followup.pk}"
    complaint = ticket_services.ticket_open(
        actor=owner,
        type="complaint",
        source="portal" if followup.completed_via == FollowUp.Via.LINK else "hotline",
        customer=followup.customer,
        product=ticket.product if ticket else None,
        title=_("Complaint about the service of %(number)s") % {"number": reference},
        description=followup.comment
        or _("Raised in the follow-up of %(number)s.") % {"number": reference},
        linked_to=ticket,
    )
    FollowUp.objects.filter(pk=followup.pk).update(linked_complaint=complaint)
    followup.linked_complaint = complaint
    return complaint


# --- Unreachable path ----------------------------------------------------------------------


@transaction.atomic
def followup_close_unreachable(
    *, followup: FollowUp, actor: User, note: str, now: datetime | None = None
) -> FollowUp:
    """A supervisor closes the case of an unreachable (or declined) customer with a note:
    the case records the "unreachable" outcome (never satisfied) and closes."""
    now = now or timezone.now()
    if not permissions.can_close_unreachable(actor):
        raise PermissionDenied(_("Only a supervisor closes an unreachable case."))
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise PermissionDenied(_("This follow-up belongs to another team."))
    if not note.strip():
        raise ValidationError({"note": [_("Write the note that closes the case.")]})
    if followup.status not in {S.UNREACHABLE, S.DECLINED} or followup.supervisor_note:
        raise InvalidTransition(
            _("Only an unreachable or declined follow-up closes the case with a note.")
        )
    ticket = followup.ticket
    if ticket is None:
        raise InvalidTransition(_("This follow-up has no case."))
    ticket.refresh_from_db()
    if ticket.status != TicketStatus.AWAITING_FOLLOW_UP:
        raise InvalidTransition(
            _("The case no longer waits for its follow-up (it is %(status)s).")
            % {"status": ticket.get_status_display()}
        )
    if not FollowUp.objects.filter(
        pk=followup.pk, status=followup.status, supervisor_note=""
    ).update(supervisor_note=note.strip(), supervisor_note_by=actor):
        raise StaleObject()
    followup.supervisor_note, followup.supervisor_note_by = note.strip(), actor
    ticket_services.ticket_record_follow_up(
        ticket=ticket, actor=actor, outcome="unreachable", note=note.strip(), at=now
    )
    ticket_services.ticket_transition(
        ticket=ticket,
        action=TicketAction.CLOSE,
        actor=ticket_actor(actor, ticket, TicketStatus.CLOSED),
        note=note.strip(),
        now=now,
    )
    return followup
