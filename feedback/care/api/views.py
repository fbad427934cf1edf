"""Care API (staff only): programmes (list, detail, create, change, preview, run) and the
read-only touches. Writes go through the services (403 for roles that do not manage
care programmes, 400 with field errors)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from feedback.care import selectors, services
from feedback.care.api.serializers import (
    CarePreviewInputSerializer,
    CarePreviewSerializer,
    CareProgrammeInputSerializer,
    CareProgrammeSerializer,
    CareRunSerializer,
    CareTouchSerializer,
)
from feedback.care.filters import CareProgrammeFilterSet, CareTouchFilterSet
from feedback.models import CareProgramme, CareTouch


class CareProgrammeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Care programmes: care calls, warranty and maintenance reminders, information,
    safety recalls. POST creates, PATCH changes (quality managers, managers,
    supervisors)."""

    serializer_class = CareProgrammeSerializer
    permission_classes = [IsStaffMember]
    filterset_class = CareProgrammeFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareProgramme.objects.none()
        return selectors.care_programme_list().order_by("pk")

    def _show(self, programme, code=status.HTTP_200_OK) -> Response:
        return Response(
            CareProgrammeSerializer(selectors.care_programme_get(pk=programme.pk)).data,
            status=code,
        )

    @extend_schema(
        request=CareProgrammeInputSerializer, responses={201: CareProgrammeSerializer}
    )
    def create(self, request):
        data = CareProgrammeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.care_programme_create(
            actor=request.user, **data.validated_data
        )
        return self._show(programme, status.HTTP_201_CREATED)

    @extend_schema(
        request=CareProgrammeInputSerializer, responses={200: CareProgrammeSerializer}
    )
    def partial_update(self, request, pk=None):
        programme = self.get_object()
        data = CareProgrammeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.care_programme_update(
            actor=request.user, programme=programme, **data.validated_data
        )
        return self._show(programme)

    @extend_schema(
        parameters=[OpenApiParameter("today", str, description="YYYY-MM-DD")],
        responses={200: CarePreviewSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def preview(self, request, pk=None):
        """The audience count and the skips by reason if the programme ran today
        (nothing is written)."""
        programme = self.get_object()
        query = CarePreviewInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = query.validated_data.get("today") or timezone.localdate()
        return Response(services.care_preview(programme, today=today))

    @extend_schema(request=None, responses={201: CareRunSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def run(self, request, pk=None):
        """Send now: messages through the outbox, calls to the follow-up worklist, every
        skip logged with its reason; nothing already sent is sent again."""
        run = services.care_run(actor=request.user, programme=self.get_object())
        return Response(CareRunSerializer(run).data, status=status.HTTP_201_CREATED)


class CareTouchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Who each programme reached, called or skipped (with the reason), for the
    customers the caller may see. `?programme=&customer=&status=&reason=&channel=`."""

    serializer_class = CareTouchSerializer
    permission_classes = [IsStaffMember]
    filterset_class = CareTouchFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareTouch.objects.none()
        return selectors.care_touch_list(user=self.request.user)
