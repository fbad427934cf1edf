"""Serializers of the care API: read-only outputs, per-command inputs."""

from rest_framework import serializers

from aftersales.models import User
from customers.models import Customer, ProductModel
from feedback.models import CareProgramme, CareRun, CareTouch


class CareProgrammeSerializer(serializers.ModelSerializer):
    """A care programme."""

    product_models = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CareProgramme
        fields = [
            "id", "name", "kind", "description", "active", "segments", "product_models",
            "category", "serial_from", "serial_to", "days_before", "validity_basis",
            "maintenance_interval_months", "period_months", "starts_on", "ends_on",
            "channels", "language", "subject_en", "body_en", "subject_zh", "body_zh",
            "frequency_cap_days", "owner", "created_by", "created_at", "last_run_at",
        ]  # fmt: skip
        read_only_fields = fields


class CareProgrammeInputSerializer(serializers.Serializer):
    """Create or change a programme (the services check the rules per kind)."""

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=CareProgramme.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    segments = serializers.ListField(
        child=serializers.ChoiceField(choices=Customer.Segment.choices), required=False
    )
    product_models = serializers.PrimaryKeyRelatedField(
        queryset=ProductModel.objects.all(), many=True, required=False
    )
    category = serializers.CharField(max_length=50, required=False, allow_blank=True)
    serial_from = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )
    serial_to = serializers.CharField(max_length=100, required=False, allow_blank=True)
    days_before = serializers.IntegerField(min_value=0, max_value=365, required=False)
    validity_basis = serializers.ChoiceField(
        choices=CareProgramme.ValidityBasis.choices, required=False
    )
    maintenance_interval_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True
    )
    period_months = serializers.IntegerField(min_value=1, max_value=120, required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CareProgramme.Channel.choices),
        allow_empty=False,
    )
    language = serializers.ChoiceField(
        choices=CareProgramme._meta.get_field("language").choices, required=False
    )
    subject_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_en = serializers.CharField(required=False, allow_blank=True)
    subject_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_zh = serializers.CharField(required=False, allow_blank=True)
    frequency_cap_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )


class CarePreviewSerializer(serializers.Serializer):
    """What a run today would do (nothing is written)."""

    audience = serializers.IntegerField()
    will_send = serializers.IntegerField()
    will_skip = serializers.DictField(child=serializers.IntegerField())
    channels = serializers.DictField(child=serializers.IntegerField())


class CarePreviewInputSerializer(serializers.Serializer):
    """`?today=YYYY-MM-DD` previews another day (default: today)."""

    today = serializers.DateField(required=False)


class CareRunSerializer(serializers.ModelSerializer):
    """One run with its counts."""

    class Meta:
        model = CareRun
        fields = [
            "id", "programme", "today", "trigger", "actor", "started_at", "finished_at",
            "audience", "sent", "calls", "skipped", "skip_counts",
        ]  # fmt: skip
        read_only_fields = fields


class CareTouchSerializer(serializers.ModelSerializer):
    """One customer (and product) reached, called or skipped by a programme."""

    class Meta:
        model = CareTouch
        fields = [
            "id", "programme", "run", "customer", "product", "period_key", "channel",
            "status", "skip_reason", "outbox_message", "at",
        ]  # fmt: skip
        read_only_fields = fields
