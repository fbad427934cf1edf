"""Serializers of the tickets API: attachments (read-only output, one upload input)."""

from django.urls import reverse
from rest_framework import serializers

from tickets.models import Attachment

__all__ = ["AttachmentSerializer", "AttachmentUploadInputSerializer"]


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of a case; `download_url` is the permission-checked API download."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "ticket", "original_name", "content_type", "size", "sha256", "public",
            "uploaded_at", "uploaded_by", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        url = reverse("api:attachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class AttachmentUploadInputSerializer(serializers.Serializer):
    """Multipart upload: the file and whether the customer sees it."""

    file = serializers.FileField(allow_empty_file=False, use_url=False)
    public = serializers.BooleanField(default=False)
