"""Serializers of the standards API: read-only outputs, one input serializer per command."""

from rest_framework import serializers

from aftersales.models import Unit
from standards import calendar as business_calendar
from standards.models import (
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)


class StandardDocumentSerializer(serializers.ModelSerializer):
    """A standard document."""

    class Meta:
        model = StandardDocument
        fields = [
            "id",
            "code",
            "title",
            "kind",
            "owner_unit",
            "owner",
            "description",
            "related",
        ]
        read_only_fields = ["related"]


class StandardVersionSerializer(serializers.ModelSerializer):
    """A version of a standard with its parameters and lifecycle stamps."""

    standard = serializers.PrimaryKeyRelatedField(source="document", read_only=True)
    standard_code = serializers.CharField(source="document.code", read_only=True)

    class Meta:
        model = StandardVersion
        fields = [
            "id", "standard", "standard_code", "version", "title", "status", "effective_from",
            "effective_until", "next_review_due", "change_summary", "body", "parameters",
            "scope_category", "scope_channel", "scope_unit", "author", "submitted_at",
            "approved_by", "approved_at", "activated_at", "withdrawn_at", "status_note",
        ]  # fmt: skip
        read_only_fields = fields


class VersionDraftInputSerializer(serializers.Serializer):
    """Draft a new version: parameters default to the newest version's."""

    effective_from = serializers.DateField()
    parameters = serializers.JSONField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    change_summary = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    next_review_due = serializers.DateField(required=False)
    implements = serializers.PrimaryKeyRelatedField(
        queryset=ChangeRequest.objects.all(), many=True, required=False
    )


class VersionUpdateInputSerializer(serializers.Serializer):
    """Change a draft."""

    effective_from = serializers.DateField(required=False)
    parameters = serializers.JSONField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    change_summary = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    next_review_due = serializers.DateField(required=False)


class NoteInputSerializer(serializers.Serializer):
    """A lifecycle action's note (needed to return or withdraw)."""

    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeRequestSerializer(serializers.ModelSerializer):
    """A change request and its decision."""

    standard = serializers.PrimaryKeyRelatedField(
        source="document", queryset=StandardDocument.objects.all()
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "id", "standard", "title", "proposed_change", "rationale", "evidence_links",
            "status", "raised_by", "raised_at", "decision_note", "decided_by", "decided_at",
            "implemented_by",
        ]  # fmt: skip
        read_only_fields = [
            "status", "raised_by", "raised_at", "decision_note", "decided_by", "decided_at",
            "implemented_by",
        ]  # fmt: skip


class DecisionInputSerializer(serializers.Serializer):
    """Accept or reject a change request."""

    accept = serializers.BooleanField()
    note = serializers.CharField()


class LegalRuleSetSerializer(serializers.ModelSerializer):
    """A legal rule set (read-only)."""

    class Meta:
        model = LegalRuleSet
        fields = [
            "id", "code", "version", "name", "name_zh", "source", "effective_from",
            "parameters", "citations", "is_active",
        ]  # fmt: skip


class CalendarDateField(serializers.DateField):
    """A date inside the range the business calendar reasons about."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        low, high = business_calendar.MIN_DATE, business_calendar.MAX_DATE
        if not low <= (day.date() if hasattr(day, "date") else day) <= high:
            raise serializers.ValidationError(f"Enter a date between {low} and {high}.")
        return day


class CalendarDateTimeField(serializers.DateTimeField):
    """A moment inside the range the business calendar reasons about."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        low, high = business_calendar.MIN_DATE, business_calendar.MAX_DATE
        if not low <= moment.date() <= high:
            raise serializers.ValidationError(
                f"Enter a moment between {low} and {high}."
            )
        return moment


class AddWorkingDaysQuerySerializer(serializers.Serializer):
    """?start=YYYY-MM-DD&days=N[&unit=id]"""

    start = CalendarDateField()
    days = serializers.IntegerField(min_value=0, max_value=3650)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False
    )


class AddBusinessHoursQuerySerializer(serializers.Serializer):
    """?start=<ISO datetime>&hours=N[&unit=id]"""

    start = CalendarDateTimeField()
    hours = serializers.DecimalField(
        max_digits=8, decimal_places=4, min_value=0, max_value=87600
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False
    )


class LegalDeadlineQuerySerializer(serializers.Serializer):
    """?trigger=YYYY-MM-DD&days=N[&working_days=true][&unit=id]"""

    trigger = CalendarDateField()
    days = serializers.IntegerField(min_value=0, max_value=3650)
    working_days = serializers.BooleanField(required=False, default=False)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False
    )


class EffectiveQuerySerializer(serializers.Serializer):
    """?category=&channel=&unit="""

    category = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False
    )
