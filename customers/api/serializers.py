"""Serializers of the archive API: read-only outputs, per-command inputs."""

from rest_framework import serializers

from aftersales.models import Unit
from customers.models import Contact, Customer, OwnedProduct, Party, ProductModel


class CustomerSerializer(serializers.ModelSerializer):
    """A customer archive with phones (E.164), tags and consent."""

    phones = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    consent = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id", "name", "kind", "phones", "email", "segment", "consent", "city", "address",
            "region", "unit", "tags", "preferred_channel", "quiet_hours_start",
            "quiet_hours_end", "external_id", "created_at", "anonymised_at", "merged_into",
        ]  # fmt: skip
        read_only_fields = fields

    def get_phones(self, customer) -> list[str]:
        return [phone.number for phone in customer.phones.all()]

    def get_consent(self, customer) -> dict:
        return {
            "service": {
                "granted": customer.consent_service,
                "at": customer.consent_service_at,
            },
            "marketing": {
                "granted": customer.consent_marketing,
                "at": customer.consent_marketing_at,
            },
        }


class CustomerInputSerializer(serializers.Serializer):
    """Create or change an archive (phones in any format; consent changes are logged)."""

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Customer.Segment.choices, required=False)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    region = serializers.ChoiceField(choices=Customer.Region.choices, required=False)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False
    )
    preferred_channel = serializers.CharField(max_length=20, required=False)
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)
    consent_service = serializers.BooleanField(required=False)
    consent_marketing = serializers.BooleanField(required=False)
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )


class OwnedProductSerializer(serializers.ModelSerializer):
    """An owned product with its computed validity."""

    class Meta:
        model = OwnedProduct
        fields = [
            "id", "customer", "model", "serial", "seller", "carrier", "installer",
            "sale_date", "delivery_date",
            "installation_date", "invoice_number", "invoice_price", "price_paid",
            "is_distance_sale", "external_id", "legal_rule_set", "validity_start",
            "validity_end", "main_validity_end", "component_validity",
        ]  # fmt: skip
        read_only_fields = [
            "legal_rule_set", "validity_start", "validity_end", "main_validity_end",
            "component_validity",
        ]  # fmt: skip
        validators = []  # uniqueness is checked by the service (400 with a message)


class ContactSerializer(serializers.ModelSerializer):
    """A contact-log entry; `ticket` is the case reference, if any."""

    ticket = serializers.CharField(source="reference", required=False, allow_blank=True)

    class Meta:
        model = Contact
        fields = [
            "id", "customer", "channel", "direction", "at", "received_by", "summary",
            "disposition", "ticket",
        ]  # fmt: skip
        read_only_fields = ["received_by"]
        extra_kwargs = {"at": {"required": False}}  # default: now


class PartySerializer(serializers.ModelSerializer):
    """A producer, supplier, seller, carrier, installer or service provider."""

    class Meta:
        model = Party
        fields = ["id", "name", "kind", "contact_person", "phone", "email", "address"]


class ProductModelSerializer(serializers.ModelSerializer):
    """A product model."""

    class Meta:
        model = ProductModel
        fields = [
            "id", "code", "name", "category", "producer", "launch_date", "end_of_life_date",
            "main_components", "maintenance_interval_months",
        ]  # fmt: skip


class TimelineEntrySerializer(serializers.Serializer):
    """One entry of a customer's timeline."""

    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    by = serializers.CharField(allow_blank=True)
