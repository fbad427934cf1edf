"""FilterSets of the archive API and pages."""

import django_filters

from ..models import Contact, Customer, OwnedProduct, Party, ProductModel


class CustomerFilterSet(django_filters.FilterSet):
    """Customers by segment, kind, unit, tag."""

    tag = django_filters.CharFilter(field_name="tags__name")

    class Meta:
        model = Customer
        fields = ["segment", "kind", "unit", "region", "tag", "external_id"]


class OwnedProductFilterSet(django_filters.FilterSet):
    """Owned products by customer, model, category, serial; validity ending before/after."""

    category = django_filters.CharFilter(field_name="model__category")
    validity_end_before = django_filters.DateFilter(
        field_name="validity_end", lookup_expr="lte"
    )
    validity_end_after = django_filters.DateFilter(
        field_name="validity_end", lookup_expr="gte"
    )

    class Meta:
        model = OwnedProduct
        fields = ["customer", "model", "category", "serial", "invoice_number", "seller"]


class ContactFilterSet(django_filters.FilterSet):
    """Contacts by customer, channel, disposition (`disposition=` empty: none yet)."""

    class Meta:
        model = Contact
        fields = ["customer", "channel", "disposition", "direction"]


class PartyFilterSet(django_filters.FilterSet):
    class Meta:
        model = Party
        fields = ["kind"]


class ProductModelFilterSet(django_filters.FilterSet):
    class Meta:
        model = ProductModel
        fields = ["category", "producer"]
