"""FilterSets of the archive API and pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer, OwnedProduct, Party, ProductModel


class CustomerFilterSet(django_filters.FilterSet):
    """Customers by segment, kind, unit, region, tag, external id: the one filter of the
    customer list page and the customers API (`q` is the selector's search)."""

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
    """Contacts by customer, channel, direction and disposition; `disposition=none` lists
    the contacts that have none yet (omissions)."""

    disposition = django_filters.ChoiceFilter(
        method="filter_disposition",
        choices=[*Contact.Disposition.choices, ("none", _("None yet"))],
    )

    def filter_disposition(self, queryset, name, value):
        return queryset.filter(disposition="" if value == "none" else value)

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
