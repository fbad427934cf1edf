"""Tickets API serializers: compensations, recourse claims and the party ledger
(read-only outputs, one input serializer per command)."""

from __future__ import annotations

from rest_framework import serializers

from customers.models import Party
from tickets import workflow
from tickets.models import (
    Attachment,
    Compensation,
    CompensationKind,
    Liability,
    RecourseClaim,
)

__all__ = [
    "ClaimCreateInputSerializer",
    "ClaimReasonInputSerializer",
    "ClaimSettleInputSerializer",
    "ClaimUpdateInputSerializer",
    "CompensationApproveInputSerializer",
    "CompensationInputSerializer",
    "CompensationSerializer",
    "PartyLedgerSerializer",
    "RecourseClaimSerializer",
]

MONEY = {"max_digits": 12, "decimal_places": 2}


class CompensationSerializer(serializers.ModelSerializer):
    """A compensation; `paid_on` is empty while it waits for approval."""

    recourse_claim_number = serializers.CharField(
        source="recourse_claim.number", read_only=True, default=None
    )
    awaiting_approval = serializers.SerializerMethodField()

    class Meta:
        model = Compensation
        fields = [
            "id", "ticket", "kind", "amount", "liability", "party", "paid_on", "note",
            "awaiting_approval", "approved_by", "approved_at", "recourse_claim",
            "recourse_claim_number", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_awaiting_approval(self, compensation) -> bool:
        return compensation.paid_on is None


class CompensationInputSerializer(serializers.Serializer):
    """Record a compensation: liability defaults to the case's; `party` (id) defaults to
    the party the product's record names for a third-party liability (producer, seller,
    carrier or installer); without one the service asks for it."""

    kind = serializers.ChoiceField(choices=CompensationKind.choices)
    amount = serializers.DecimalField(**MONEY)
    liability = serializers.ChoiceField(
        choices=Liability.choices, required=False, allow_null=True, allow_blank=True
    )
    party = serializers.PrimaryKeyRelatedField(
        queryset=Party.objects.all(), required=False, allow_null=True
    )
    paid_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CompensationApproveInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True)


class RecourseClaimSerializer(serializers.ModelSerializer):
    """A recourse claim with its covered compensations, evidence (attachment ids) and the
    actions the caller may take now."""

    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    evidence = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    compensations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = RecourseClaim
        fields = [
            "id", "number", "ticket", "ticket_number", "party", "claimant", "basis",
            "amount", "status", "recovered_amount", "limitation_date", "response_due_on",
            "evidence", "evidence_notes", "compensations", "owner", "submitted_at",
            "settled_at", "closed_at", "approved_by", "note", "actions", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_actions(self, claim) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [
            str(action.value)
            for action in workflow.claim_allowed_actions(
                claim.status, set(request.user.role_names)
            )
        ]


class ClaimCreateInputSerializer(serializers.Serializer):
    """Draft a claim by hand; `claimant` empty: the company claims."""

    ticket = serializers.CharField(help_text="The case's id or number.")
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    claimant = serializers.PrimaryKeyRelatedField(
        queryset=Party.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(**MONEY)
    basis = serializers.CharField(max_length=300, allow_blank=True)
    evidence_notes = serializers.CharField(required=False, allow_blank=True, default="")


class ClaimUpdateInputSerializer(serializers.Serializer):
    """Change a draft or ready claim (only the fields sent)."""

    basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    amount = serializers.DecimalField(**MONEY, required=False)
    evidence = serializers.PrimaryKeyRelatedField(
        queryset=Attachment.objects.all(), many=True, required=False
    )
    evidence_notes = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class ClaimSettleInputSerializer(serializers.Serializer):
    recovered_amount = serializers.DecimalField(**MONEY)


class ClaimReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PartyLedgerSerializer(serializers.Serializer):
    """Paid vs recovered with one party, as decimal strings."""

    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    recovered = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
