"""Serializers of the voice API: read-only outputs, one input serializer per command."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from customers.models import Customer, ProductModel
from feedback.models import (
    FeedbackItem,
    ImprovementAction,
    QualityNotice,
    QualityNoticeRecipient,
)
from standards.models import ChangeRequest
from tickets.models import Ticket


class FeedbackItemSerializer(serializers.ModelSerializer):
    """A feedback item with its answer; `overdue` is open and past the reply due date."""

    change_requests = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FeedbackItem
        fields = [
            "id", "source", "customer", "ticket", "product_model", "text", "topic_codes",
            "status", "reply", "reply_due_on", "overdue", "owner", "created_by",
            "created_at", "triaged_at", "answered_by", "answered_at",
            "answered_by_change_request", "change_requests", "followup",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        return item.is_open and item.reply_due_on < timezone.localdate()


class _ScopedInput(serializers.Serializer):
    """Customers and cases outside the caller's scope are unknown (400)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        if "customer" in self.fields:
            self.fields["customer"].queryset = Customer.objects.visible_to(user)
        if "ticket" in self.fields:
            self.fields["ticket"].queryset = Ticket.objects.visible_to(user)


class FeedbackItemCreateInputSerializer(_ScopedInput):
    """Record a feedback item."""

    source = serializers.ChoiceField(choices=FeedbackItem.Source.choices)
    text = serializers.CharField()
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), required=False, allow_null=True
    )
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.none(), required=False, allow_null=True
    )
    product_model = serializers.PrimaryKeyRelatedField(
        queryset=ProductModel.objects.all(), required=False, allow_null=True
    )
    topic_codes = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list
    )


class FeedbackItemReplyInputSerializer(serializers.Serializer):
    reply = serializers.CharField()


class FeedbackItemReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class FeedbackItemTriageInputSerializer(serializers.Serializer):
    topic_codes = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, allow_null=True
    )


class FeedbackItemCiteInputSerializer(serializers.Serializer):
    change_request = serializers.PrimaryKeyRelatedField(
        queryset=ChangeRequest.objects.all()
    )


class QualityNoticeRecipientSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = QualityNoticeRecipient
        fields = ["id", "unit", "unit_name", "acknowledged_at", "acknowledged_by"]
        read_only_fields = fields


class ImprovementActionSerializer(serializers.ModelSerializer):
    """An improvement action: the answer to a quality notice (`notice`) or to a KPI breach
    (`kpi_key`, the period, the measured value and the standard's limit)."""

    subject = serializers.CharField(read_only=True)

    class Meta:
        model = ImprovementAction
        fields = [
            "id", "subject", "notice", "kpi_key", "period_start", "period_end",
            "kpi_value", "kpi_ceiling", "unit", "owner", "fault_code", "description",
            "due_on", "status", "baseline_rate", "remeasured_rate", "remeasured_period",
            "done_at", "verified_at", "close_note",
        ]  # fmt: skip
        read_only_fields = fields


class ActionCloseInputSerializer(serializers.Serializer):
    """A quality manager's note closing an improvement action."""

    note = serializers.CharField(allow_blank=False, max_length=2000)


class QualityNoticeSerializer(serializers.ModelSerializer):
    """A monthly quality notice with its addressed units and improvement actions."""

    product_model_code = serializers.CharField(
        source="product_model.code", read_only=True
    )
    recipients = QualityNoticeRecipientSerializer(many=True, read_only=True)
    actions = ImprovementActionSerializer(many=True, read_only=True)

    class Meta:
        model = QualityNotice
        fields = [
            "id", "product_model", "product_model_code", "period_start", "total_cases",
            "top_faults", "compensation_cost", "example_numbers", "owned_products",
            "generated_at", "recipients", "actions",
        ]  # fmt: skip
        read_only_fields = fields
