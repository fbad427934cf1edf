"""Tickets API serializers: repairs, field visits and offers (read-only outputs, one input
serializer per command)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from aftersales.models import User
from tickets import entitlement
from tickets.models import FieldVisit, Offer, Repair
from tickets.repairs.selectors import repair_days

__all__ = [
    "OfferDecideInputSerializer",
    "OfferInputSerializer",
    "OfferRejectInputSerializer",
    "OfferSerializer",
    "RepairFinishInputSerializer",
    "RepairInputSerializer",
    "RepairSerializer",
    "VisitCompleteInputSerializer",
    "VisitInputSerializer",
    "VisitSerializer",
]


class RepairSerializer(serializers.ModelSerializer):
    """A repair with its days in repair (so far, while it is open)."""

    days_in_repair = serializers.SerializerMethodField()

    class Meta:
        model = Repair
        fields = [
            "id", "ticket", "started_on", "ended_on", "days_in_repair", "parts_wait_days",
            "fault_code", "same_problem", "repairer_fault", "diagnosis", "work_done",
            "outcome", "technician",
        ]  # fmt: skip
        read_only_fields = fields

    def get_days_in_repair(self, repair: Repair) -> int:
        return repair_days(
            started_on=repair.started_on,
            ended_on=repair.ended_on,
            as_of=timezone.localdate(),
        )


def _staff():
    return User.objects.filter(is_active=True)


class RepairInputSerializer(serializers.Serializer):
    """Record a repair (open, or finished with its outcome)."""

    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    parts_wait_days = serializers.IntegerField(min_value=0, default=0)
    fault_code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    same_problem = serializers.BooleanField(default=True)
    repairer_fault = serializers.BooleanField(default=False)
    diagnosis = serializers.CharField(required=False, allow_blank=True, default="")
    work_done = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(
        choices=Repair.Outcome.choices, default=Repair.Outcome.IN_PROGRESS
    )
    technician = serializers.PrimaryKeyRelatedField(
        queryset=_staff(), required=False, allow_null=True, default=None
    )


class RepairFinishInputSerializer(serializers.Serializer):
    """Finish an open repair as fixed or failed."""

    ended_on = serializers.DateField()
    outcome = serializers.ChoiceField(
        choices=[Repair.Outcome.FIXED, Repair.Outcome.FAILED]
    )
    work_done = serializers.CharField(required=False, allow_blank=True, default="")
    parts_wait_days = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None
    )


class VisitSerializer(serializers.ModelSerializer):
    """A field visit: appointment, arrival, diagnosis, parts, fees, conduct checklist."""

    class Meta:
        model = FieldVisit
        fields = [
            "id", "ticket", "technician", "appointment_start", "appointment_end",
            "arrived_at", "departed_at", "diagnosis", "parts", "fees", "checklist",
            "customer_confirmed", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class VisitInputSerializer(serializers.Serializer):
    """Book a technician's visit."""

    technician = serializers.PrimaryKeyRelatedField(queryset=_staff())
    appointment_start = serializers.DateTimeField()
    appointment_end = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )


class VisitCompleteInputSerializer(serializers.Serializer):
    """Record the visit. `checklist` answers every item of the pinned standard's conduct
    checklist: {"item": true|false}."""

    arrived_at = serializers.DateTimeField()
    departed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )
    diagnosis = serializers.CharField()
    parts = serializers.CharField(required=False, allow_blank=True, default="")
    fees = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, default=0
    )
    checklist = serializers.DictField(child=serializers.BooleanField())
    customer_confirmed = serializers.BooleanField(default=False)


class OfferSerializer(serializers.ModelSerializer):
    """An offer against the entitlement and its decision."""

    class Meta:
        model = Offer
        fields = [
            "id", "ticket", "option", "reason", "below_entitlement", "status",
            "offered_by", "offered_at", "decided_by", "decided_at", "decision_note",
        ]  # fmt: skip
        read_only_fields = fields


class OfferInputSerializer(serializers.Serializer):
    """Offer a remedy; below the entitlement a reason is required."""

    option = serializers.ChoiceField(choices=entitlement.RANK)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class OfferDecideInputSerializer(serializers.Serializer):
    """Approve an offer (a note is optional)."""

    note = serializers.CharField(required=False, allow_blank=True, default="")


class OfferRejectInputSerializer(serializers.Serializer):
    """Reject an offer with a note."""

    note = serializers.CharField()
