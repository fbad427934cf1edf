"""The daily reminder sweep of the voice loop: feedback items past their reply due date
(once per item), quality notices a unit has not acknowledged within a week of issue (once
per unit and week), improvement actions past due (once per action); and, as the safety
net of the `change_request_decided` signal, it answers items cited by a decided change
request that are still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.services import job_run, notify
from feedback.models import FeedbackItem, ImprovementAction, QualityNoticeRecipient
from feedback.voice.services.common import quality_managers, unit_people
from feedback.voice.services.items import (
    DECISION_STATUS,
    feedback_items_answer_by_decision,
)
from standards.models import ChangeRequest

__all__ = ["ACKNOWLEDGE_DAYS", "voice_reminders"]

ACKNOWLEDGE_DAYS = 7  # a notice not acknowledged within a week is reminded, weekly


def voice_reminders(*, now: datetime) -> int:
    """Daily: remind (each once) owners of late feedback replies, the units that have not
    acknowledged a notice for a week (again each week), and owners of overdue
    improvement actions; answer cited items of decided change requests whose signal was
    lost. Set-based on indexed stamps; idempotent within the day. Returns reminders and
    answers made."""
    with job_run("voice_reminders") as run:
        today = timezone.localdate(now)
        run.items += _late_replies(today)
        run.items += _unacknowledged_notices(now)
        run.items += _overdue_actions(today)
        run.items += _decisions_not_applied()
    return run.items


def _late_replies(today) -> int:
    done = 0
    late = (
        FeedbackItem.objects.overdue(today)
        .filter(reminded_on__isnull=True)
        .select_related("owner", "created_by")
    )
    fallback = None
    for item in late:
        if not FeedbackItem.objects.filter(pk=item.pk, reminded_on__isnull=True).update(
            reminded_on=today
        ):
            continue
        recipients = [person for person in (item.owner or item.created_by,) if person]
        if not recipients:
            fallback = fallback if fallback is not None else list(quality_managers())
            recipients = fallback
        for person in recipients:
            notify(
                recipient=person,
                kind="feedback_late",
                key=f"feedback-late:{item.pk}:{person.pk}",
                title=_("Feedback #%(id)s was due for a reply on %(day)s"),
                title_params={"id": item.pk, "day": f"{item.reply_due_on:%Y-%m-%d}"},
                body=item.text[:300],
                url=item.get_absolute_url(),
                email=True,
            )
        done += 1
    return done


def _unacknowledged_notices(now: datetime) -> int:
    week_ago = now - timedelta(days=ACKNOWLEDGE_DAYS)
    condition = Q(reminded_at__isnull=True) | Q(reminded_at__lte=week_ago)
    pending = list(
        QualityNoticeRecipient.objects.filter(
            acknowledged_at__isnull=True, notice__generated_at__lte=week_ago
        )
        .filter(condition)
        .select_related("notice__product_model", "unit")
    )
    people = unit_people({recipient.unit_id for recipient in pending})
    done = 0
    for recipient in pending:
        if (
            not QualityNoticeRecipient.objects.filter(
                pk=recipient.pk, acknowledged_at__isnull=True
            )
            .filter(condition)
            .update(reminded_at=now)
        ):
            continue
        week = (now - recipient.notice.generated_at).days // ACKNOWLEDGE_DAYS
        for person in people.get(recipient.unit_id, []):
            notify(
                recipient=person,
                kind="quality_notice_reminder",
                key=f"quality-notice-reminder:{recipient.pk}:{week}:{person.pk}",
                title=_("%(unit)s has not acknowledged the quality notice %(notice)s"),
                title_params={
                    "unit": recipient.unit.name,
                    "notice": str(recipient.notice),
                },
                url=recipient.notice.get_absolute_url(),
                email=True,
            )
        done += 1
    return done


def _overdue_actions(today) -> int:
    done = 0
    overdue = ImprovementAction.objects.filter(
        status=ImprovementAction.Status.OPEN, due_on__lt=today, reminded_on__isnull=True
    ).select_related("owner", "notice__product_model")
    actions = list(overdue)
    people = unit_people({action.unit_id for action in actions})
    for action in actions:
        if not ImprovementAction.objects.filter(
            pk=action.pk, reminded_on__isnull=True
        ).update(reminded_on=today):
            continue
        for person in {action.owner, *people.get(action.unit_id, [])}:
            notify(
                recipient=person,
                kind="improvement_overdue",
                key=f"improvement-overdue:{action.pk}:{person.pk}",
                title=_("Improvement action for %(notice)s is past due (%(day)s)"),
                title_params={
                    "notice": action.subject,
                    "day": f"{action.due_on:%Y-%m-%d}",
                },
                body=action.description[:300],
                url=action.get_absolute_url(),
                email=True,
            )
        done += 1
    return done


def _decisions_not_applied() -> int:
    decided = (
        ChangeRequest.objects.filter(
            status__in=list(DECISION_STATUS),
            feedback_items__status__in=FeedbackItem.OPEN_STATES,
        )
        .distinct()
        .select_related("decided_by")
    )
    return sum(
        feedback_items_answer_by_decision(change_request=change_request)
        for change_request in decided
    )
