"""Tickets API (staff only): cases, their timeline, lifecycle commands and handovers.
Cases outside the caller's scope answer 404; a transition the state forbids answers 409."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from aftersales.permissions import unit_scope
from customers import selectors as archive_selectors
from tickets.cases import selectors, services
from tickets.cases.api.serializers import (
    CommentInputSerializer,
    HandoverInputSerializer,
    HandoverSerializer,
    InformInputSerializer,
    PauseInputSerializer,
    RejectInputSerializer,
    ResolveInputSerializer,
    TicketCreateInputSerializer,
    TicketEventSerializer,
    TicketNoteInputSerializer,
    TicketReasonInputSerializer,
    TicketSerializer,
)
from tickets.cases.filters import TicketFilterSet
from tickets.models import Handover, Ticket
from tickets.workflow import TicketAction


class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Cases. `/tickets/{id}/` takes the id or the number. Filters: status, type, priority,
    first_owner, handler, customer, overdue=true; `q` searches number, title, customer."""

    serializer_class = TicketSerializer
    permission_classes = [IsStaffMember]
    filterset_class = TicketFilterSet
    lookup_value_regex = "[^/]+"
    ordering_fields = ["created_at", "priority", "resolve_due_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        # The serializer gives related rows as ids (their columns on the case): the
        # queue's joins to customer, owners and unit would build four rows a case unread.
        return (
            selectors.ticket_list(
                user=self.request.user,
                view="all",
                q=self.request.query_params.get("q", ""),
            )
            .select_related(None)
            .order_by("-created_at", "-pk")
        )

    def filter_queryset(self, queryset):
        for backend in self.filter_backends:
            if backend.__name__ != "SearchFilter":  # `q` is handled by the selector
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def get_object(self):
        return selectors.ticket_get(user=self.request.user, number=self.kwargs["pk"])

    @extend_schema(
        request=TicketCreateInputSerializer, responses={201: TicketSerializer}
    )
    def create(self, request):
        data = TicketCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["customer"] = archive_selectors.customer_for_case(
            user=request.user, pk=fields["customer"].pk
        )
        ticket = services.ticket_open(actor=request.user, **fields)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    def _done(self, ticket: Ticket) -> Response:
        return Response(
            TicketSerializer(
                selectors.ticket_get(user=self.request.user, number=ticket.number)
            ).data
        )

    def _transition(self, request, action_name: str, note: str = "") -> Response:
        ticket = services.ticket_transition(
            ticket=self.get_object(), action=action_name, actor=request.user, note=note
        )
        return self._done(ticket)

    @extend_schema(request=None, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """new → acknowledged."""
        return self._transition(request, TicketAction.ACKNOWLEDGE)

    @extend_schema(request=None, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """acknowledged | reopened → in_progress."""
        return self._transition(request, TicketAction.START)

    @extend_schema(request=PauseInputSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Wait for parts or for the customer (SLA clocks pause)."""
        data = PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_pause(
            ticket=self.get_object(),
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return self._done(ticket)

    @extend_schema(request=None, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Back to work; open due times move by the time paused."""
        return self._transition(request, TicketAction.RESUME)

    @extend_schema(request=InformInputSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="inform-customer")
    def inform_customer(self, request, pk=None):
        """Record what the customer was told (first contact; the result before resolving)."""
        data = InformInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_inform_customer(
            ticket=self.get_object(),
            actor=request.user,
            message=data.validated_data["message"],
            channel=data.validated_data["channel"],
        )
        return self._done(ticket)

    @extend_schema(request=ResolveInputSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Resolve with cause code, liability and resolution (the customer must be told)."""
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_resolve(
            ticket=self.get_object(), actor=request.user, **data.validated_data
        )
        return self._done(ticket)

    @extend_schema(request=TicketNoteInputSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close after the follow-up (or the unreachable path with a supervisor note)."""
        data = TicketNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(
            request, TicketAction.CLOSE, data.validated_data["note"]
        )

    @extend_schema(
        request=TicketReasonInputSerializer, responses={200: TicketSerializer}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen to the same first owner, with a reason."""
        data = TicketReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(
            request, TicketAction.REOPEN, data.validated_data["reason"]
        )

    @extend_schema(
        request=TicketReasonInputSerializer, responses={200: TicketSerializer}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an open case with a reason."""
        data = TicketReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(
            request, TicketAction.CANCEL, data.validated_data["reason"]
        )

    @extend_schema(responses={200: TicketEventSerializer(many=True)})
    # (the whole timeline as a list, as the contract has it: no pagination)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def events(self, request, pk=None):
        """The timeline of the case, oldest first."""
        events = selectors.ticket_events(ticket=self.get_object())
        return Response(TicketEventSerializer(events, many=True).data)

    @extend_schema(
        request=CommentInputSerializer, responses={201: TicketEventSerializer}
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        """An internal note, or a reply the customer sees (`public`)."""
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.ticket_comment(
            ticket=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(
            TicketEventSerializer(event).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=HandoverInputSerializer, responses={201: HandoverSerializer})
    @action(detail=True, methods=["post"])
    def handovers(self, request, pk=None):
        """Hand the work to a person or unit with a reason and a commitment."""
        data = HandoverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        due = fields.pop("commitment_due", None)
        if due is not None and fields.get("commitment_hours") is None:
            seconds = max(0.0, (due - timezone.now()).total_seconds())
            fields["commitment_hours"] = Decimal(str(round(seconds / 3600, 2)))
        handover = services.handover_request(
            ticket=self.get_object(), actor=request.user, **fields
        )
        return Response(
            HandoverSerializer(handover).data, status=status.HTTP_201_CREATED
        )


class HandoverViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Handovers of cases the caller may see; accept or reject them."""

    serializer_class = HandoverSerializer
    permission_classes = [IsStaffMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Handover.objects.none()
        user = self.request.user
        return Handover.objects.filter(
            Q(ticket_id__in=Ticket.objects.visible_to(user).values("pk"))
            | Q(to_user=user)
            | Q(to_unit_id__in=unit_scope(user).member_ids)
        )

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(request=None, responses={200: HandoverSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take the work: you become the handler; the commitment clock starts now."""
        handover = services.handover_accept(
            handover=self.get_object(), actor=request.user
        )
        return Response(HandoverSerializer(handover).data)

    @extend_schema(request=RejectInputSerializer, responses={200: HandoverSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse with a reason; the receiving unit's coordinator decides (never a bounce)."""
        data = RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = services.handover_reject(
            handover=self.get_object(),
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(HandoverSerializer(handover).data)
