"""Follow-ups API (staff only): the tasks the caller may see (404 outside that scope),
attempts and the answer as commands; a completed task answers 409."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from feedback.followups import selectors, services
from feedback.followups.api.serializers import (
    FollowUpAttemptInputSerializer,
    FollowUpCloseCaseInputSerializer,
    FollowUpCompleteInputSerializer,
    FollowUpSendLinkInputSerializer,
    FollowUpSerializer,
    QuestionnaireSerializer,
)
from feedback.followups.filters import FollowUpFilterSet
from feedback.models import FollowUp, Questionnaire


class FollowUpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Follow-up tasks. Filters: status, kind, result, ticket, customer,
    assigned_to (`me` or a user id), due_before; `q` finds a case number, a customer's
    name or phone; what is due first."""

    serializer_class = FollowUpSerializer
    permission_classes = [IsStaffMember]
    filterset_class = FollowUpFilterSet
    ordering_fields = ["due_at", "next_attempt_at", "completed_at", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        return selectors.followup_list(
            user=self.request.user,
            view="all",
            now=timezone.now(),
            q=self.request.query_params.get("q", ""),
        )

    def get_object(self):
        return selectors.followup_get(user=self.request.user, pk=self.kwargs["pk"])

    def _done(self, followup: FollowUp, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.followup_get(user=self.request.user, pk=followup.pk)
        return Response(FollowUpSerializer(fresh).data, status=code)

    @extend_schema(
        request=FollowUpAttemptInputSerializer, responses={201: FollowUpSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def attempts(self, request, pk=None):
        """No answer (next channel and time, unreachable at the maximum) or refused
        (declined). Refused during quiet hours (400)."""
        data = FollowUpAttemptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = self.get_object()
        services.followup_attempt(
            followup=followup, actor=request.user, **data.validated_data
        )
        return self._done(followup, status.HTTP_201_CREATED)

    @extend_schema(
        request=FollowUpCompleteInputSerializer, responses={200: FollowUpSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def complete(self, request, pk=None):
        """Record the answer: satisfied closes the case, dissatisfied reopens it to its
        first owner; outside the window it is flagged early or late."""
        data = FollowUpCompleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["via"] = fields.pop("channel")
        followup = services.followup_complete(
            followup=self.get_object(), actor=request.user, **fields
        )
        return self._done(followup)

    @extend_schema(
        request=FollowUpSendLinkInputSerializer, responses={200: FollowUpSerializer}
    )
    @action(detail=True, methods=["post"], url_path="send-link", filterset_class=None)
    def send_link(self, request, pk=None):
        """Send the customer the answer link (outbox SMS or e-mail)."""
        data = FollowUpSendLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = self.get_object()
        services.followup_send_link(
            followup=followup,
            actor=request.user,
            channel=data.validated_data["channel"],
            base_url=request.build_absolute_uri("/"),
        )
        return self._done(followup)

    @extend_schema(
        request=FollowUpCloseCaseInputSerializer, responses={200: FollowUpSerializer}
    )
    @action(detail=True, methods=["post"], url_path="close-case", filterset_class=None)
    def close_case(self, request, pk=None):
        """A supervisor closes an unreachable (or declined) customer's case with a note."""
        data = FollowUpCloseCaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = services.followup_close_unreachable(
            followup=self.get_object(),
            actor=request.user,
            note=data.validated_data["note"],
        )
        return self._done(followup)


class QuestionnaireViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Questionnaire versions (read-only; the quality manager edits them on the pages)."""

    serializer_class = QuestionnaireSerializer
    permission_classes = [IsStaffMember]
    filterset_fields = ["code", "status", "scale"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Questionnaire.objects.none()
        return selectors.questionnaire_list()
