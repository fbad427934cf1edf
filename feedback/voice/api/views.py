"""Voice API (staff only): feedback items with their commands, quality notices (read-only).
Items outside the caller's scope answer 404; a step the state forbids answers 409."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from feedback.models import FeedbackItem, ImprovementAction, QualityNotice
from feedback.voice import selectors, services
from feedback.voice.api.serializers import (
    ActionCloseInputSerializer,
    FeedbackItemCiteInputSerializer,
    FeedbackItemCreateInputSerializer,
    FeedbackItemReasonInputSerializer,
    FeedbackItemReplyInputSerializer,
    FeedbackItemSerializer,
    FeedbackItemTriageInputSerializer,
    ImprovementActionSerializer,
    QualityNoticeSerializer,
)
from feedback.voice.filters import (
    FeedbackItemFilterSet,
    ImprovementActionFilterSet,
    QualityNoticeFilterSet,
)


class FeedbackItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Feedback items. Filters: status, source, customer, overdue=true; `q` searches the
    text and the customer's name. Commands: answer, triage, actioned, no-action, cite."""

    serializer_class = FeedbackItemSerializer
    permission_classes = [IsStaffMember]
    filterset_class = FeedbackItemFilterSet
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FeedbackItem.objects.none()
        return selectors.feedback_item_list(
            user=self.request.user, q=self.request.query_params.get("q", "")
        )

    def get_object(self):
        return selectors.feedback_item_get(user=self.request.user, pk=self.kwargs["pk"])

    def _done(self, item: FeedbackItem, code: int = status.HTTP_200_OK) -> Response:
        item = selectors.feedback_item_get(user=self.request.user, pk=item.pk)
        return Response(FeedbackItemSerializer(item).data, status=code)

    @extend_schema(
        request=FeedbackItemCreateInputSerializer,
        responses={201: FeedbackItemSerializer},
    )
    def create(self, request):
        """Record a feedback item (a case fills in its customer and product model)."""
        data = FeedbackItemCreateInputSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        item = services.feedback_item_create(actor=request.user, **data.validated_data)
        return self._done(item, status.HTTP_201_CREATED)

    @extend_schema(
        request=FeedbackItemReplyInputSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """new | triaged → answered, with the reply sent to the customer."""
        data = FeedbackItemReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.feedback_item_answer(
            item=self.get_object(),
            actor=request.user,
            reply=data.validated_data["reply"],
        )
        return self._done(item)

    @extend_schema(
        request=FeedbackItemTriageInputSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        """new → triaged; the caller becomes the owner; optional topic codes."""
        data = FeedbackItemTriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.feedback_item_triage(
            item=self.get_object(),
            actor=request.user,
            topic_codes=data.validated_data.get("topic_codes"),
        )
        return self._done(item)

    @extend_schema(
        request=FeedbackItemReplyInputSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"])
    def actioned(self, request, pk=None):
        """new | triaged → actioned, with a reply saying what was done."""
        data = FeedbackItemReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.feedback_item_mark_actioned(
            item=self.get_object(),
            actor=request.user,
            reply=data.validated_data["reply"],
        )
        return self._done(item)

    @extend_schema(
        request=FeedbackItemReasonInputSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"], url_path="no-action")
    def no_action(self, request, pk=None):
        """new | triaged → no_action, with the reason (the customer's reply)."""
        data = FeedbackItemReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.feedback_item_no_action(
            item=self.get_object(),
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return self._done(item)

    @extend_schema(
        request=FeedbackItemCiteInputSerializer,
        responses={200: FeedbackItemSerializer},
    )
    @action(detail=True, methods=["post"])
    def cite(self, request, pk=None):
        """Cite the item in an open change request (its decision answers the item)."""
        data = FeedbackItemCiteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.feedback_item_cite(
            item=self.get_object(),
            change_request=data.validated_data["change_request"],
            actor=request.user,
        )
        return self._done(item)


class QualityNoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Monthly quality notices (read-only). Filters: product_model, period_start, unit,
    acknowledged."""

    serializer_class = QualityNoticeSerializer
    permission_classes = [IsStaffMember]
    filterset_class = QualityNoticeFilterSet
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QualityNotice.objects.none()
        return selectors.quality_notice_list(user=self.request.user)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).distinct()


class ImprovementActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Improvement actions: answers to quality notices and to KPI breaches (opened by the
    daily KPI breach sweep). Filters: status, unit, owner, notice, kpi_key,
    source=kpi|notice. Commands: done (the owner or the unit), close with a note
    (quality managers)."""

    serializer_class = ImprovementActionSerializer
    permission_classes = [IsStaffMember]
    filterset_class = ImprovementActionFilterSet
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImprovementAction.objects.none()
        return selectors.improvement_action_list(user=self.request.user)

    @extend_schema(request=None, responses={200: ImprovementActionSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """open → done: the change is in place."""
        done = services.improvement_action_mark_done(
            action=self.get_object(), actor=request.user
        )
        return Response(ImprovementActionSerializer(done).data)

    @extend_schema(
        request=ActionCloseInputSerializer, responses={200: ImprovementActionSerializer}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """open | done → closed, with the quality manager's note."""
        data = ActionCloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closed = services.improvement_action_close(
            action=self.get_object(),
            actor=request.user,
            note=data.validated_data["note"],
        )
        return Response(ImprovementActionSerializer(closed).data)
