"""Tickets API: attachments. `GET/POST /tickets/{id}/attachments/` lists and uploads
(multipart `file`, optional `public`); `GET /attachments/{id}/` and
`GET /attachments/{id}/download/` read a file of a case the caller sees (404 otherwise)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from aftersales.api import IsStaffMember
from tickets.attachments import selectors as attachment_selectors
from tickets.attachments import services
from tickets.attachments.api.serializers import (
    AttachmentSerializer,
    AttachmentUploadInputSerializer,
)
from tickets.attachments.views import attachment_file_response
from tickets.cases import selectors
from tickets.models import Attachment

__all__ = ["AttachmentViewSet", "TicketAttachmentViewSet"]

TICKET_ID = OpenApiParameter(
    "ticket_id", str, OpenApiParameter.PATH, description="The case's id or number."
)


@extend_schema_view(list=extend_schema(parameters=[TICKET_ID]))
class TicketAttachmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The files of a case, oldest first; upload one with a multipart POST."""

    serializer_class = AttachmentSerializer
    permission_classes = [IsStaffMember]
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []

    def _ticket(self):
        return selectors.ticket_get(
            user=self.request.user, number=self.kwargs["ticket_id"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return attachment_selectors.attachment_list(ticket=self._ticket())

    @extend_schema(
        parameters=[TICKET_ID],
        request={"multipart/form-data": AttachmentUploadInputSerializer},
        responses={201: AttachmentSerializer},
    )
    def create(self, request, ticket_id=None):
        """Upload a file (JPEG, PNG, WebP, GIF, PDF, plain text, MP4; size limited)."""
        ticket = self._ticket()
        data = AttachmentUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            ticket=ticket,
            actor=request.user,
            file=data.validated_data["file"],
            public=data.validated_data["public"],
        )
        return Response(
            AttachmentSerializer(
                attachment, context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One file of a case the caller sees, and its download."""

    serializer_class = AttachmentSerializer
    permission_classes = [IsStaffMember]
    filter_backends: list = []

    def get_object(self):
        return attachment_selectors.attachment_get(
            user=self.request.user, pk=self.kwargs["pk"]
        )

    def get_queryset(self):
        return Attachment.objects.none()  # objects come from get_object's selector

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself, as an attachment with its stored type and `nosniff`."""
        return attachment_file_response(self.get_object())
