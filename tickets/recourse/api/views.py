"""Tickets API: compensations of a case, recourse claims with one command per lifecycle
step, and the party ledger (staff only; shared/api.md "Tickets"). Objects outside the
caller's scope answer 404, a step the claim's state forbids 409 `invalid_transition`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import IsStaffMember
from customers.models import Party
from tickets.cases import selectors
from tickets.models import Compensation, RecourseClaim
from tickets.recourse import selectors as recourse_selectors
from tickets.recourse import services
from tickets.recourse.api.serializers import (
    ClaimCreateInputSerializer,
    ClaimReasonInputSerializer,
    ClaimSettleInputSerializer,
    ClaimUpdateInputSerializer,
    CompensationApproveInputSerializer,
    CompensationInputSerializer,
    CompensationSerializer,
    PartyLedgerSerializer,
    RecourseClaimSerializer,
)
from tickets.recourse.filters import RecourseClaimFilterSet
from tickets.workflow import ClaimAction

__all__ = [
    "CompensationApproveView",
    "PartyLedgerView",
    "RecourseClaimViewSet",
    "TicketCompensationsView",
]


class TicketCompensationsView(generics.GenericAPIView):
    """`GET` the compensations of a case; `POST {"kind", "amount", "liability", "party"}`
    records one (liability defaults to the case's; a third-party liability drafts a
    recourse claim against `party`, else the party the product's record names for it:
    producer, seller, carrier or installer; when it names nobody, 400 asks for `party`).
    The case is given by id or number."""

    permission_classes = [IsStaffMember]
    serializer_class = CompensationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Compensation.objects.none()
        return recourse_selectors.compensation_list(ticket=self._ticket())

    def _ticket(self):
        return selectors.ticket_get(user=self.request.user, number=self.kwargs["pk"])

    @extend_schema(responses={200: CompensationSerializer(many=True)})
    def get(self, request, pk: str):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CompensationSerializer(page, many=True).data)

    @extend_schema(
        request=CompensationInputSerializer, responses={201: CompensationSerializer}
    )
    def post(self, request, pk: str):
        ticket = self._ticket()
        data = CompensationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        compensation = services.compensation_record(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        return Response(
            CompensationSerializer(compensation).data, status=status.HTTP_201_CREATED
        )


class CompensationApproveView(APIView):
    """`POST {"paid_on"?}`: approve a compensation waiting for approval (a supervisor of
    the case's unit or a manager, not the recorder); it is then paid and, with a
    third-party liability, put on a recourse claim."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=CompensationApproveInputSerializer,
        responses={200: CompensationSerializer},
    )
    def post(self, request, pk: int):
        compensation = recourse_selectors.compensation_get(user=request.user, pk=pk)
        data = CompensationApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        compensation = services.compensation_approve(
            compensation=compensation,
            actor=request.user,
            paid_on=data.validated_data.get("paid_on"),
        )
        return Response(CompensationSerializer(compensation).data)


class RecourseClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Recourse claims of the cases the caller may see. Filters: `ticket` (id or number),
    `party`, `status`. `POST` drafts one by hand; `PATCH` changes a draft or ready claim;
    each lifecycle step is its own `POST` action."""

    serializer_class = RecourseClaimSerializer
    permission_classes = [IsStaffMember]
    filterset_class = RecourseClaimFilterSet
    ordering_fields = ["created_at", "limitation_date", "amount"]
    lookup_value_regex = "[^/]+"  # the id or the claim's number

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecourseClaim.objects.none()
        return recourse_selectors.claim_list(user=self.request.user).order_by(
            "-created_at", "-pk"
        )

    def get_object(self):
        return recourse_selectors.claim_get(
            user=self.request.user, number=str(self.kwargs["pk"])
        )

    def _done(self, claim: RecourseClaim, code: int = status.HTTP_200_OK) -> Response:
        fresh = recourse_selectors.claim_get(
            user=self.request.user, number=claim.number
        )
        return Response(
            RecourseClaimSerializer(fresh, context={"request": self.request}).data,
            status=code,
        )

    @extend_schema(
        request=ClaimCreateInputSerializer, responses={201: RecourseClaimSerializer}
    )
    def create(self, request):
        data = ClaimCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        ticket = selectors.ticket_get(user=request.user, number=fields.pop("ticket"))
        claim = services.claim_create(ticket=ticket, actor=request.user, **fields)
        return self._done(claim, status.HTTP_201_CREATED)

    @extend_schema(
        request=ClaimUpdateInputSerializer, responses={200: RecourseClaimSerializer}
    )
    def partial_update(self, request, pk=None):
        claim = self.get_object()
        data = ClaimUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_update(
            claim=claim, actor=request.user, **data.validated_data
        )
        return self._done(claim)

    def _step(self, request, action_name: str, **fields) -> Response:
        claim = services.claim_transition(
            claim=self.get_object(), actor=request.user, action=action_name, **fields
        )
        return self._done(claim)

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def ready(self, request, pk=None):
        """draft → ready (needs a basis and evidence: files or notes)."""
        return self._step(request, ClaimAction.READY)

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """ready → submitted; the party's response is due in 30 days."""
        return self._step(request, ClaimAction.SUBMIT)

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """submitted → acknowledged (the party answered)."""
        return self._step(request, ClaimAction.ACKNOWLEDGE)

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def negotiate(self, request, pk=None):
        """acknowledged → negotiating."""
        return self._step(request, ClaimAction.NEGOTIATE)

    @extend_schema(
        request=ClaimSettleInputSerializer, responses={200: RecourseClaimSerializer}
    )
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        """→ settled_full (all recovered) or settled_partial (less); never more."""
        data = ClaimSettleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(
            request,
            ClaimAction.SETTLE,
            recovered_amount=data.validated_data["recovered_amount"],
        )

    @extend_schema(
        request=ClaimReasonInputSerializer, responses={200: RecourseClaimSerializer}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The party refused (with its reason)."""
        data = ClaimReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(
            request, ClaimAction.REJECT, reason=data.validated_data["reason"]
        )

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """rejected | settled_partial → escalated (legal action, arbitration)."""
        return self._step(request, ClaimAction.ESCALATE)

    @extend_schema(request=None, responses={200: RecourseClaimSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Settled, rejected or escalated → closed."""
        return self._step(request, ClaimAction.CLOSE)

    @extend_schema(
        request=ClaimReasonInputSerializer, responses={200: RecourseClaimSerializer}
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        """Give up what is still open (a manager, with a reason)."""
        data = ClaimReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(
            request, ClaimAction.WRITE_OFF, reason=data.validated_data["reason"]
        )


class PartyLedgerView(APIView):
    """`GET`: paid vs recovered with one party → {"paid", "recovered", "outstanding"}."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: PartyLedgerSerializer})
    def get(self, request, pk: int):
        party = get_object_or_404(Party, pk=pk)
        return Response(
            PartyLedgerSerializer(recourse_selectors.party_ledger(party)).data
        )
