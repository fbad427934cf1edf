"""Serializers of the tickets API: read-only outputs, one input serializer per command."""

from rest_framework import serializers

from aftersales.models import Unit, User
from customers.models import Customer, OwnedProduct
from standards.parameters import CaseType, Channel, Priority
from tickets.models import Handover, Liability, Ticket, TicketEvent


class TicketSerializer(serializers.ModelSerializer):
    """A case with its owners, pinned standard, clocks and (when computed) entitlement."""

    due = serializers.SerializerMethodField()
    entitlement = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "type", "source", "customer", "product", "title", "description",
            "fault_code", "priority", "safety_incident", "status", "first_owner", "handler",
            "unit", "standard_version", "due", "escalation_level", "cause_code", "liability",
            "resolution", "customer_informed_at", "reopen_count", "bounce_count",
            "entitlement", "created_at", "resolved_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_due(self, ticket) -> dict:
        return {
            "acknowledge": ticket.acknowledge_due_at,
            "first_contact": ticket.first_contact_due_at,
            "onsite": ticket.onsite_due_at,
            "resolve": ticket.resolve_due_at,
        }

    def get_entitlement(self, ticket) -> dict | None:
        if not ticket.entitlement:
            return None
        return {
            "options": ticket.entitlement.get("options", []),
            "reasons": ticket.entitlement.get("reasons", []),
            "basis": ticket.entitlement.get("basis", []),
            "refund_amount": ticket.entitlement.get("refund_amount"),
            "burden_of_proof_on_business": ticket.entitlement.get(
                "burden_of_proof_on_business"
            ),
        }


class TicketCreateInputSerializer(serializers.Serializer):
    """Log a case (the caller becomes its first owner)."""

    type = serializers.ChoiceField(choices=CaseType.choices)
    source = serializers.ChoiceField(choices=Channel.choices)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    product = serializers.PrimaryKeyRelatedField(
        queryset=OwnedProduct.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices, default="P3")
    safety_incident = serializers.BooleanField(default=False)
    fault_code = serializers.CharField(max_length=50, required=False, allow_blank=True)


class TicketEventSerializer(serializers.ModelSerializer):
    """One timeline entry."""

    class Meta:
        model = TicketEvent
        fields = ["id", "type", "at", "actor", "data", "public"]


class TicketNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TicketReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[("parts", "parts"), ("customer", "customer")]
    )


class InformInputSerializer(serializers.Serializer):
    message = serializers.CharField()
    channel = serializers.ChoiceField(
        choices=["call", "sms", "email"],
        default="call",
        help_text="call: recorded after a call; sms, email: the message is sent.",
    )


class ResolveInputSerializer(serializers.Serializer):
    cause_code = serializers.CharField(max_length=50)
    liability = serializers.ChoiceField(choices=Liability.choices)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField()
    public = serializers.BooleanField(default=False)


class HandoverSerializer(serializers.ModelSerializer):
    """A handover and its decision."""

    class Meta:
        model = Handover
        fields = [
            "id", "ticket", "from_user", "from_unit", "to_user", "to_unit", "reason",
            "commitment", "commitment_hours", "status", "requested_at", "accept_due_at",
            "decided_at", "decided_by", "commitment_due_at", "rejection_reason",
            "to_coordinator",
        ]  # fmt: skip
        read_only_fields = fields


class HandoverInputSerializer(serializers.Serializer):
    """Hand the work to a person or a unit, with a commitment."""

    to_user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    to_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField()
    commitment = serializers.CharField(max_length=200, required=False, allow_blank=True)
    commitment_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    commitment_due = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, data):
        if not data.get("to_user") and not data.get("to_unit"):
            raise serializers.ValidationError({"to_unit": ["Give to_user or to_unit."]})
        return data


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    to_coordinator = serializers.BooleanField(default=True)
