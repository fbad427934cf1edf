"""Standards API (staff only): documents, versions and their lifecycle commands, change
requests, legal rule sets, the effective service standard, and the calendar calculators."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import IsStaffMember
from standards import calendar as business_calendar
from standards import selectors, services
from standards.api.serializers import (
    AddBusinessHoursQuerySerializer,
    AddWorkingDaysQuerySerializer,
    ChangeRequestSerializer,
    DecisionInputSerializer,
    EffectiveQuerySerializer,
    LegalDeadlineQuerySerializer,
    LegalRuleSetSerializer,
    NoteInputSerializer,
    StandardDocumentSerializer,
    StandardVersionSerializer,
    VersionDraftInputSerializer,
    VersionUpdateInputSerializer,
)
from standards.filters import (
    ChangeRequestFilterSet,
    StandardDocumentFilterSet,
    StandardVersionFilterSet,
)
from standards.models import (
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)
from standards.workflow import VersionAction


class StandardDocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The company's standards (`?kind=`, `?q=` code/title). POST creates one (quality
    managers and managers); `/versions/` lists or drafts versions."""

    serializer_class = StandardDocumentSerializer
    permission_classes = [IsStaffMember]
    filterset_class = StandardDocumentFilterSet
    search_fields = ["code", "title"]
    ordering_fields = ["code", "kind", "title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandardDocument.objects.none()
        return selectors.standard_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("related", None)
        serializer.instance = services.standard_document_create(
            actor=self.request.user, **data
        )

    @extend_schema(
        methods=["GET"],
        responses={200: StandardVersionSerializer(many=True)},
        request=None,
    )
    @extend_schema(
        methods=["POST"],
        request=VersionDraftInputSerializer,
        responses={201: StandardVersionSerializer},
    )
    @action(
        detail=True, methods=["get", "post"], filterset_class=None, search_fields=[]
    )
    def versions(self, request, pk=None):
        """GET: the standard's versions, newest first. POST: draft the next version."""
        document = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.version_list(document=document))
            return self.get_paginated_response(
                StandardVersionSerializer(page, many=True).data
            )
        data = VersionDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.standard_version_draft(
            document=document, actor=request.user, **data.validated_data
        )
        return Response(
            StandardVersionSerializer(version).data, status=status.HTTP_201_CREATED
        )


class StandardVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Standard versions (`?status=`, `?standard=`). PATCH changes a draft; the lifecycle moves
    by the actions submit, return, approve, withdraw; acknowledge records that I read it."""

    serializer_class = StandardVersionSerializer
    permission_classes = [IsStaffMember]
    filterset_class = StandardVersionFilterSet
    ordering_fields = ["effective_from", "version", "next_review_due"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandardVersion.objects.none()
        return selectors.version_list()

    @extend_schema(
        request=VersionUpdateInputSerializer, responses={200: StandardVersionSerializer}
    )
    def partial_update(self, request, pk=None):
        """Change a draft version (an effective version is never edited: 400)."""
        version = self.get_object()
        data = VersionUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.standard_version_update(
            version=version, actor=request.user, **data.validated_data
        )
        return Response(
            StandardVersionSerializer(selectors.version_get(pk=version.pk)).data
        )

    def _transition(self, request, action_name: str) -> Response:
        version = self.get_object()
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.standard_version_transition(
            version=version,
            action=action_name,
            actor=request.user,
            note=data.validated_data["note"],
        )
        return Response(
            StandardVersionSerializer(selectors.version_get(pk=version.pk)).data
        )

    @extend_schema(
        request=NoteInputSerializer, responses={200: StandardVersionSerializer}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """draft → in_review (the author, quality managers, managers)."""
        return self._transition(request, VersionAction.SUBMIT)

    @extend_schema(
        request=NoteInputSerializer, responses={200: StandardVersionSerializer}
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, pk=None):
        """in_review → draft with a note (approvers)."""
        return self._transition(request, VersionAction.RETURN)

    @extend_schema(
        request=NoteInputSerializer, responses={200: StandardVersionSerializer}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """in_review → approved (never by the author); effective at once when its date has
        come, superseding the previous version."""
        return self._transition(request, VersionAction.APPROVE)

    @extend_schema(
        request=NoteInputSerializer, responses={200: StandardVersionSerializer}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a version with a note."""
        return self._transition(request, VersionAction.WITHDRAW)

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "Acknowledgement", {"acknowledged_at": serializers.DateTimeField()}
            )
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """I have read this effective version (idempotent)."""
        acknowledgement = services.acknowledgement_create(
            version=self.get_object(), user=request.user
        )
        return Response(
            {"acknowledged_at": acknowledgement.acknowledged_at},
            status=status.HTTP_201_CREATED,
        )


class EffectiveServiceStandardView(APIView):
    """The service-standard version that applies now to `?category=&channel=&unit=`."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[EffectiveQuerySerializer],
        responses={200: StandardVersionSerializer},
    )
    def get(self, request):
        query = EffectiveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = selectors.service_standard_resolve(**query.validated_data)
        if version is None:
            raise NotFound("No service standard is in force for this scope.")
        return Response(StandardVersionSerializer(version).data)


class LegalRuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Legal rule sets (read-only, seeded)."""

    serializer_class = LegalRuleSetSerializer
    permission_classes = [IsStaffMember]
    filterset_fields = ["code", "is_active"]
    queryset = LegalRuleSet.objects.all()

    def get_queryset(self):
        return selectors.legal_rule_set_list()


class ChangeRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Change requests (`?standard=`, `?status=`). Any staff member raises one; quality
    managers and managers decide."""

    serializer_class = ChangeRequestSerializer
    permission_classes = [IsStaffMember]
    filterset_class = ChangeRequestFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChangeRequest.objects.none()
        return selectors.change_request_list()

    def perform_create(self, serializer):
        serializer.instance = services.change_request_raise(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        request=DecisionInputSerializer, responses={200: ChangeRequestSerializer}
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Accept or reject with the reason."""
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_decide(
            change_request=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(ChangeRequestSerializer(change_request).data)


def _calendar(unit):
    return selectors.calendar_for_unit(unit=unit)


class AddWorkingDaysView(APIView):
    """The date `days` working days after `start` (counting from the next day)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[AddWorkingDaysQuerySerializer],
        responses={
            200: inline_serializer(
                "WorkingDaysResult", {"date": serializers.DateField()}
            )
        },
    )
    def get(self, request):
        query = AddWorkingDaysQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = business_calendar.add_working_days(
            _calendar(data.get("unit")), data["start"], data["days"]
        )
        return Response({"date": result.isoformat()})


class AddBusinessHoursView(APIView):
    """The moment `hours` business hours after `start`, in the unit's working hours."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[AddBusinessHoursQuerySerializer],
        responses={
            200: inline_serializer(
                "BusinessHoursResult", {"datetime": serializers.DateTimeField()}
            )
        },
    )
    def get(self, request):
        query = AddBusinessHoursQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start = data["start"]
        if timezone.is_naive(start):
            start = timezone.make_aware(start)
        result = business_calendar.add_business_hours(
            _calendar(data.get("unit")), start, data["hours"]
        )
        return Response({"datetime": result.isoformat()})


class LegalDeadlineView(APIView):
    """When a legal period of `days` (calendar or working days) after `trigger` ends: 24:00 of
    its last day, moved past holidays."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[LegalDeadlineQuerySerializer],
        responses={
            200: inline_serializer(
                "LegalDeadlineResult", {"datetime": serializers.DateTimeField()}
            )
        },
    )
    def get(self, request):
        query = LegalDeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = business_calendar.legal_deadline(
            _calendar(data.get("unit")),
            data["trigger"],
            data["days"],
            working_days=data["working_days"],
        )
        return Response({"datetime": result.isoformat()})
