"""Tickets API: repairs, field visits and offers of a case, each command its own `POST`
(staff only; shared/api.md "Tickets"). The case is given by id or number; objects outside
the caller's scope answer 404, bad input 400 with field errors, a state that forbids the
step 409 `invalid_transition`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import IsStaffMember
from tickets.cases import selectors
from tickets.models import FieldVisit, Offer, Repair
from tickets.repairs import selectors as selectors_repairs
from tickets.repairs import services
from tickets.repairs.api.serializers import (
    OfferDecideInputSerializer,
    OfferInputSerializer,
    OfferRejectInputSerializer,
    OfferSerializer,
    RepairFinishInputSerializer,
    RepairInputSerializer,
    RepairSerializer,
    VisitCompleteInputSerializer,
    VisitInputSerializer,
    VisitSerializer,
)

__all__ = [
    "OfferApproveView",
    "OfferRejectView",
    "RepairFinishView",
    "TicketOffersView",
    "TicketRepairsView",
    "TicketVisitsView",
    "VisitCompleteView",
]


class _TicketChildrenView(generics.GenericAPIView):
    """A list of one kind of record of a case (paginated) and the command adding one."""

    permission_classes = [IsStaffMember]
    filter_backends: list = []
    model = None
    list_selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.list_selector(ticket=self._ticket())

    def _ticket(self):
        return selectors.ticket_get(user=self.request.user, number=self.kwargs["pk"])

    def _list(self):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _created(self, obj):
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class TicketRepairsView(_TicketChildrenView):
    """`GET` the repairs of a case; `POST` records one (open, or finished with `ended_on`
    and `outcome` fixed|failed). An acknowledged case starts; the entitlement is computed
    again from the product's repair history."""

    serializer_class = RepairSerializer
    model = Repair
    list_selector = staticmethod(selectors_repairs.repair_list)

    @extend_schema(responses={200: RepairSerializer(many=True)})
    def get(self, request, pk: str):
        return self._list()

    @extend_schema(request=RepairInputSerializer, responses={201: RepairSerializer})
    def post(self, request, pk: str):
        ticket = self._ticket()
        data = RepairInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.repair_record(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        return self._created(repair)


class RepairFinishView(APIView):
    """`POST {"ended_on", "outcome": "fixed"|"failed", "work_done"?, "parts_wait_days"?}`
    finishes an open repair (409 when it is already finished)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=RepairFinishInputSerializer, responses={200: RepairSerializer}
    )
    def post(self, request, pk: int):
        repair = selectors_repairs.repair_get(user=request.user, pk=pk)
        data = RepairFinishInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.repair_finish(
            repair=repair, actor=request.user, **data.validated_data
        )
        return Response(RepairSerializer(repair).data)


class TicketVisitsView(_TicketChildrenView):
    """`GET` the field visits of a case; `POST {"technician", "appointment_start",
    "appointment_end"?}` books one."""

    serializer_class = VisitSerializer
    model = FieldVisit
    list_selector = staticmethod(selectors_repairs.visit_list)

    @extend_schema(responses={200: VisitSerializer(many=True)})
    def get(self, request, pk: str):
        return self._list()

    @extend_schema(request=VisitInputSerializer, responses={201: VisitSerializer})
    def post(self, request, pk: str):
        ticket = self._ticket()
        data = VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_schedule(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        return self._created(visit)


class VisitCompleteView(APIView):
    """`POST {"arrived_at", "departed_at"?, "diagnosis", "parts", "fees", "checklist",
    "customer_confirmed"}` records the visit; `checklist` answers exactly the items of the
    pinned standard's conduct checklist. The first arrival stops the on-site clock."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=VisitCompleteInputSerializer, responses={200: VisitSerializer}
    )
    def post(self, request, pk: int):
        visit = selectors_repairs.visit_get(user=request.user, pk=pk)
        data = VisitCompleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_complete(
            visit=visit, actor=request.user, **data.validated_data
        )
        return Response(VisitSerializer(visit).data)


class TicketOffersView(_TicketChildrenView):
    """`GET` the offers of a case; `POST {"option", "reason"}` makes one. Below the
    entitlement it needs a reason and is `pending` until a supervisor or manager decides;
    otherwise it is `accepted` at once."""

    serializer_class = OfferSerializer
    model = Offer
    list_selector = staticmethod(selectors_repairs.offer_list)

    @extend_schema(responses={200: OfferSerializer(many=True)})
    def get(self, request, pk: str):
        return self._list()

    @extend_schema(request=OfferInputSerializer, responses={201: OfferSerializer})
    def post(self, request, pk: str):
        ticket = self._ticket()
        data = OfferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.offer_make(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        return self._created(offer)


class _OfferDecisionView(APIView):
    permission_classes = [IsStaffMember]
    approve = True
    input_serializer = OfferDecideInputSerializer

    def post(self, request, pk: int):
        offer = selectors_repairs.offer_get(user=request.user, pk=pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.offer_decide(
            offer=offer,
            actor=request.user,
            approve=self.approve,
            note=data.validated_data["note"],
        )
        return Response(OfferSerializer(offer).data)


class OfferApproveView(_OfferDecisionView):
    """`POST {"note"?}` approves a pending offer below the entitlement (a supervisor of the
    case's unit or above, or a manager; never the offerer: 403)."""

    @extend_schema(request=OfferDecideInputSerializer, responses={200: OfferSerializer})
    def post(self, request, pk: int):
        return super().post(request, pk)


class OfferRejectView(_OfferDecisionView):
    """`POST {"note"}` rejects a pending offer below the entitlement."""

    approve = False
    input_serializer = OfferRejectInputSerializer

    @extend_schema(request=OfferRejectInputSerializer, responses={200: OfferSerializer})
    def post(self, request, pk: int):
        return super().post(request, pk)
