"""Tickets API: first-ownership transfers. `POST /tickets/{id}/ownership-transfers/` asks
a colleague to become the first owner; `/ownership-transfers/{id}/accept/`, `/reject/`
(`{"reason"}`) and `/cancel/` decide it. Transfers the caller may not see answer 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from tickets.cases import selectors
from tickets.models import OwnershipTransfer
from tickets.ownership import selectors as ownership_selectors
from tickets.ownership import services
from tickets.ownership.api.serializers import (
    TransferRejectInputSerializer,
    TransferRequestInputSerializer,
    TransferSerializer,
)

__all__ = ["TicketTransferViewSet", "TransferViewSet"]

TICKET_ID = OpenApiParameter(
    "ticket_id", str, OpenApiParameter.PATH, description="The case's id or number."
)


@extend_schema_view(list=extend_schema(parameters=[TICKET_ID]))
class TicketTransferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The ownership transfers of a case, newest first; POST asks for one."""

    serializer_class = TransferSerializer
    permission_classes = [IsStaffMember]
    filter_backends: list = []

    def _ticket(self):
        return selectors.ticket_get(
            user=self.request.user, number=self.kwargs["ticket_id"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OwnershipTransfer.objects.none()
        return (
            self._ticket()
            .ownership_transfers.select_related("ticket")
            .order_by("-requested_at", "-pk")
        )

    @extend_schema(
        parameters=[TICKET_ID],
        request=TransferRequestInputSerializer,
        responses={201: TransferSerializer},
    )
    def create(self, request, ticket_id=None):
        """Ask `to_user` to become the first owner (leave, departure), with a reason."""
        ticket = self._ticket()
        data = TransferRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_request(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        return Response(
            TransferSerializer(transfer).data, status=status.HTTP_201_CREATED
        )


class TransferViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Transfers on cases the caller sees, addressed to them or asked by them. Filters:
    status, ticket, to_user."""

    serializer_class = TransferSerializer
    permission_classes = [IsStaffMember]
    filterset_fields = ["status", "ticket", "to_user"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OwnershipTransfer.objects.none()
        return ownership_selectors.transfer_list(user=self.request.user)

    def get_object(self):
        return ownership_selectors.transfer_get(
            user=self.request.user, pk=self.kwargs["pk"]
        )

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The receiver becomes the first owner."""
        transfer = services.transfer_accept(
            transfer=self.get_object(), actor=request.user
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(
        request=TransferRejectInputSerializer, responses={200: TransferSerializer}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The receiver declines with a reason; the first owner stays."""
        data = TransferRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_reject(
            transfer=self.get_object(),
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The requester withdraws the transfer."""
        transfer = services.transfer_cancel(
            transfer=self.get_object(), actor=request.user
        )
        return Response(TransferSerializer(transfer).data)
