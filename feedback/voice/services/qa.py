"""QA re-calls (domain §1 "re-check every result", §7): every day QA re-calls a random sample
of the follow-ups completed the day before (rate `followup.qa_sample_rate` of the case's
pinned standard); an answer that differs from the recorded one is a QA finding against the
follow-up and the agent who recorded it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import Membership, Unit, User
from aftersales.services import job_run, notify
from feedback.followups import questionnaires
from feedback.models import FollowUp, QaFinding, QaRecall
from feedback.voice.services.common import (
    local_midnight,
    supervisors_of,
    unit_people,
)
from standards.models import StandardVersion
from standards.parameters import SurveyScale, get_path

__all__ = [
    "DEFAULT_QA_SAMPLE_RATE",
    "SCORE_GAP",
    "qa_recall_record",
    "qa_sample_rate",
    "qa_sampling",
    "qa_unit",
    "may_do_qa",
]

DEFAULT_QA_SAMPLE_RATE = Decimal("0.05")  # when the standard does not say
SCORE_GAP = 2  # scores this far apart are a mismatch


def qa_sample_rate(parameters) -> Decimal:
    """The standard's `followup.qa_sample_rate` (0–1), else DEFAULT_QA_SAMPLE_RATE."""
    value = get_path(parameters or {}, "followup.qa_sample_rate")
    if value is None:
        return DEFAULT_QA_SAMPLE_RATE
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return DEFAULT_QA_SAMPLE_RATE
    return min(max(rate, Decimal(0)), Decimal(1))


def qa_unit() -> Unit | None:
    """The QA unit that does the re-calls (the first active unit of kind QA)."""
    return Unit.objects.active().filter(kind=Unit.Kind.QA).order_by("path").first()


def may_do_qa(user: User) -> bool:
    """Quality managers, managers, administrators and members of a QA unit."""
    if not user.is_authenticated or not user.is_staff_member:
        return False
    return (
        permissions.can_review_quality(user)
        or Membership.objects.filter(user=user, unit__kind=Unit.Kind.QA).exists()
    )


def qa_sampling(*, now: datetime) -> int:
    """Daily: draw the QA re-calls of the follow-ups completed yesterday (local day). Per
    pinned standard version, the sample is the rate × the day's completed follow-ups,
    rounded up (so at least one whenever any exist and the rate is above 0), drawn at
    random among those not sampled yet. Idempotent: a second run finds the sample full
    and draws nothing; one re-call per follow-up (unique). Returns re-calls created."""
    with job_run("qa_sampling") as run:
        day = timezone.localdate(now) - timedelta(days=1)
        run.detail = f"{day:%Y-%m-%d}"
        completed = FollowUp.objects.filter(
            status=FollowUp.Status.COMPLETED,
            completed_at__gte=local_midnight(day),
            completed_at__lt=local_midnight(day + timedelta(days=1)),
        )
        groups = list(
            completed.values("ticket__standard_version").annotate(
                n=Count("pk"), sampled=Count("qa_recall")
            )
        )
        if not groups:
            return 0
        parameters = dict(
            StandardVersion.objects.filter(
                pk__in=[g["ticket__standard_version"] for g in groups]
            ).values_list("pk", "parameters")
        )
        unit = qa_unit()
        draw = secrets.SystemRandom()
        for group in groups:
            version_id = group["ticket__standard_version"]
            rate = qa_sample_rate(parameters.get(version_id))
            target = min(
                int((rate * group["n"]).to_integral_value(rounding=ROUND_CEILING)),
                group["n"],
            )
            missing = target - group["sampled"]
            if missing <= 0:
                continue
            pool = list(
                completed.filter(
                    ticket__standard_version=version_id, qa_recall__isnull=True
                ).values_list("pk", flat=True)
            )
            chosen = draw.sample(pool, min(missing, len(pool)))
            created = QaRecall.objects.bulk_create(
                [
                    QaRecall(
                        followup_id=pk, unit=unit, sampled_on=day, sample_rate=rate
                    )
                    for pk in chosen
                ],
                ignore_conflicts=True,
            )
            run.items += len(created)
        if run.items and unit is not None:
            for person in unit_people([unit.pk], supervisors_first=False).get(
                unit.pk, []
            ):
                notify(
                    recipient=person,
                    kind="qa_sample",
                    key=f"qa-sample:{day:%Y-%m-%d}:{person.pk}",
                    title=_("QA re-calls of %(day)s are ready"),
                    title_params={"day": f"{day:%Y-%m-%d}"},
                    url=reverse("feedback:qa-recall-list"),
                )
    return run.items


def _scale_and_line(followup: FollowUp) -> tuple[str, int]:
    """The follow-up's scale and dissatisfaction line, as the follow-up itself used them:
    the policy snapshot taken when the task was made, else the case's pinned standard."""
    parameters = (
        {"followup": followup.policy}
        if followup.policy
        else (
            followup.ticket.standard_version.parameters
            if followup.ticket_id and followup.ticket.standard_version_id
            else {}
        )
    )
    scale = (
        followup.questionnaire.scale
        if followup.questionnaire_id
        else get_path(parameters, "followup.scale", SurveyScale.CSAT5)
    )
    return scale, questionnaires.dissatisfied_line(scale=scale, parameters=parameters)


@transaction.atomic
def qa_recall_record(
    *,
    recall: QaRecall,
    actor: User,
    score: int,
    resolved: bool,
    note: str = "",
) -> QaRecall:
    """Record what the customer told QA. QA staff only, never the agent who did the
    follow-up. A different result (satisfied vs dissatisfied by the standard's rule), a
    score two or more apart, or a different "problem solved" answer is a QaFinding against
    the follow-up and its agent; the agent's supervisors are told."""
    if not may_do_qa(actor):
        raise PermissionDenied(_("Only QA staff record re-calls."))
    followup = recall.followup
    if actor.pk in {followup.completed_by_id, followup.assigned_to_id}:
        raise PermissionDenied(_("You did this follow-up: someone else re-checks it."))
    if recall.status != QaRecall.Status.OPEN:
        raise InvalidTransition(_("This re-call is already recorded."))
    scale, line = _scale_and_line(followup)
    low, high = questionnaires.score_range(scale)
    if score is None or not low <= score <= high:
        raise ValidationError(
            {
                "score": [
                    _("Give a score from %(low)s to %(high)s.")
                    % {"low": low, "high": high}
                ]
            }
        )
    satisfied = not questionnaires.is_dissatisfied(
        score=score, resolved=resolved, line=line
    )
    reasons = []
    if followup.result and satisfied != (followup.result == FollowUp.Result.SATISFIED):
        reasons.append("result")
    if followup.score is not None and abs(followup.score - score) >= SCORE_GAP:
        reasons.append("score")
    if followup.resolved is not None and followup.resolved != resolved:
        reasons.append("resolved")
    now = timezone.now()
    if not QaRecall.objects.filter(pk=recall.pk, status=QaRecall.Status.OPEN).update(
        status=QaRecall.Status.RECORDED,
        score=score,
        resolved=resolved,
        satisfied=satisfied,
        note=note.strip(),
        is_mismatch=bool(reasons),
        recorded_by=actor,
        recorded_at=now,
    ):
        raise StaleObject
    recall.refresh_from_db()
    if reasons:
        _finding(recall, followup, reasons)
    return recall


def _finding(recall: QaRecall, followup: FollowUp, reasons: list[str]) -> QaFinding:
    agent = followup.completed_by or followup.assigned_to
    finding = QaFinding.objects.create(
        recall=recall,
        followup=followup,
        agent=agent,
        reasons=reasons,
        detail={
            "followup": {
                "result": followup.result,
                "score": followup.score,
                "resolved": followup.resolved,
            },
            "qa": {
                "satisfied": recall.satisfied,
                "score": recall.score,
                "resolved": recall.resolved,
            },
        },
    )
    if agent is not None:
        bosses = supervisors_of(agent)
    else:
        bosses = unit_people([followup.unit_id]).get(followup.unit_id, [])
    for person in bosses:
        notify(
            recipient=person,
            kind="qa_finding",
            key=f"qa-finding:{finding.pk}:{person.pk}",
            title=_("QA finding on a follow-up by %(agent)s"),
            title_params={"agent": agent.name if agent else _("the customer's link")},
            body=", ".join(reasons),
            url=recall.get_absolute_url(),
            email=True,
        )
    return finding
