"""Serializers of the tickets API: ownership transfers (read-only output, one input per
command)."""

from rest_framework import serializers

from aftersales.models import User
from tickets.models import OwnershipTransfer

__all__ = [
    "TransferRejectInputSerializer",
    "TransferRequestInputSerializer",
    "TransferSerializer",
]


class TransferSerializer(serializers.ModelSerializer):
    """A first-ownership transfer and its decision."""

    class Meta:
        model = OwnershipTransfer
        fields = [
            "id", "ticket", "from_user", "to_user", "reason", "status", "requested_by",
            "requested_at", "decided_at", "rejection_reason",
        ]  # fmt: skip
        read_only_fields = fields


class TransferRequestInputSerializer(serializers.Serializer):
    """Ask `to_user` to become the case's first owner."""

    to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField()


class TransferRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
