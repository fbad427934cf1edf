"""Reads of the voice loop, permission-scoped: feedback items (`visible_to`), quality notices
(staff), QA re-calls and findings (QA staff). Each selector loads what its pages and the
API render, so lists run in a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from aftersales import permissions
from aftersales.models import Membership, Unit, User
from feedback.models import (
    FeedbackItem,
    ImprovementAction,
    QaFinding,
    QaRecall,
    QualityNotice,
    QualityNoticeRecipient,
)
from feedback.voice.services.qa import may_do_qa
from standards.models import ChangeRequest


def feedback_item_list(*, user: User, q: str = "") -> QuerySet[FeedbackItem]:
    """Feedback items the user may see, newest first; `q` finds text or customer name."""
    items = FeedbackItem.objects.visible_to(user)
    if q.strip():
        items = items.filter(
            Q(text__icontains=q.strip()) | Q(customer__name__icontains=q.strip())
        )
    return (
        items.select_related("customer", "ticket", "product_model", "owner")
        .prefetch_related(
            Prefetch("change_requests", queryset=ChangeRequest.objects.only("pk"))
        )
        .order_by("-created_at", "-pk")
    )


def feedback_item_get(*, user: User, pk: int) -> FeedbackItem:
    """One feedback item the user may see (404 otherwise), with what its page shows."""
    return get_object_or_404(
        FeedbackItem.objects.visible_to(user)
        .select_related(
            "customer",
            "ticket",
            "product_model",
            "owner",
            "created_by",
            "answered_by",
            "answered_by_change_request",
            "followup",
        )
        .prefetch_related(
            Prefetch(
                "change_requests",
                queryset=ChangeRequest.objects.select_related("document"),
            )
        ),
        pk=pk,
    )


def change_requests_open() -> QuerySet[ChangeRequest]:
    """Open change requests a feedback item can be cited in."""
    return ChangeRequest.objects.filter(
        status=ChangeRequest.Status.OPEN
    ).select_related("document")


def quality_notice_list(*, user: User) -> QuerySet[QualityNotice]:
    """Quality notices (staff), newest month first, with the model, the addressed units'
    acknowledgements and the improvement actions."""
    if not user.is_staff_member:
        return QualityNotice.objects.none()
    return (
        QualityNotice.objects.select_related("product_model")
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=QualityNoticeRecipient.objects.select_related("unit"),
            ),
            "actions",
        )
        .order_by("-period_start", "product_model__code", "pk")
    )


def quality_notice_get(*, user: User, pk: int) -> QualityNotice:
    """One quality notice with its recipients and improvement actions (404 for
    non-staff)."""
    if not user.is_staff_member:
        raise Http404
    return get_object_or_404(
        QualityNotice.objects.select_related("product_model").prefetch_related(
            Prefetch(
                "recipients",
                queryset=QualityNoticeRecipient.objects.select_related(
                    "unit", "acknowledged_by"
                ),
            ),
            Prefetch(
                "actions",
                queryset=ImprovementAction.objects.select_related(
                    "unit", "owner", "verified_by"
                ),
            ),
        ),
        pk=pk,
    )


def recipient_get(
    *, user: User, notice: QualityNotice, pk: int
) -> QualityNoticeRecipient:
    """One addressed unit of the notice (404 otherwise)."""
    return get_object_or_404(
        QualityNoticeRecipient.objects.select_related("unit"), notice=notice, pk=pk
    )


def improvement_action_list(*, user: User) -> QuerySet[ImprovementAction]:
    """Improvement actions (staff), the soonest due first."""
    if not user.is_staff_member:
        return ImprovementAction.objects.none()
    return ImprovementAction.objects.select_related(
        "notice__product_model", "unit", "owner"
    ).order_by("due_on", "pk")


def improvement_action_get(*, user: User, pk: int) -> ImprovementAction:
    """One improvement action (staff; 404 otherwise)."""
    if not user.is_staff_member:
        raise Http404
    return get_object_or_404(
        ImprovementAction.objects.select_related("notice__product_model", "unit"),
        pk=pk,
    )


def user_unit_ids(*, user: User) -> set[int]:
    """The units the user belongs to (for the acknowledge buttons)."""
    return set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))


def notice_units_for(*, user: User, notice: QualityNotice) -> QuerySet[Unit]:
    """Addressed units the user may answer for: all of them for quality roles, else
    those the user belongs to."""
    units = Unit.objects.filter(quality_notices__notice=notice)
    if permissions.can_review_quality(user):
        return units
    return units.filter(memberships__user=user)


def qa_recall_list(*, user: User, status: str = "") -> QuerySet[QaRecall]:
    """The QA worklist (QA staff only; others get an empty list): re-calls with the
    follow-up, its case, customer and agent."""
    if not may_do_qa(user):
        return QaRecall.objects.none()
    recalls = QaRecall.objects.select_related(
        "followup__ticket",
        "followup__customer",
        "followup__completed_by",
        "unit",
        "recorded_by",
    )
    if status:
        recalls = recalls.filter(status=status)
    return recalls.order_by("status", "-sampled_on", "-pk")


def qa_recall_get(*, user: User, pk: int) -> QaRecall:
    """One re-call for QA staff (404 otherwise)."""
    return get_object_or_404(qa_recall_list(user=user), pk=pk)


def qa_finding_list(*, user: User) -> QuerySet[QaFinding]:
    """QA findings, newest first: QA staff see all, supervisors those of the agents of
    their units, an agent their own."""
    findings = QaFinding.objects.select_related(
        "agent", "followup__ticket", "followup__customer", "recall"
    ).order_by("-created_at", "-pk")
    if may_do_qa(user):
        return findings
    if not user.is_staff_member:
        return findings.none()
    supervised = permissions.supervised_units(user)
    return findings.filter(
        Q(agent=user) | Q(agent__memberships__unit__in=supervised)
    ).distinct()
