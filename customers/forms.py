"""Forms of the archive pages: shape and field validation; rules live in services."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from aftersales.models import Unit
from customers.models import Contact, Customer, OwnedProduct, Party, ProductModel


def _split(text: str) -> list[str]:
    """Items of a list typed into one field: commas or semicolons, ASCII or Chinese."""
    return [
        item.strip() for item in re.split(r"[,;，；、]", text or "") if item.strip()
    ]


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    """A customer archive: contact details, segment, consent, phones and tags."""

    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        help_text=_(
            "One or more numbers separated by commas; any format (+86, spaces, dashes)."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma-separated.")
    )
    consent_service = forms.BooleanField(
        label=_("Consents to service contact"), required=False
    )
    consent_marketing = forms.BooleanField(
        label=_("Consents to marketing"), required=False
    )

    class Meta:
        model = Customer
        fields = [
            "kind", "name", "email", "segment", "preferred_channel", "quiet_hours_start",
            "quiet_hours_end", "city", "address", "region", "unit", "external_id",
        ]  # fmt: skip
        widgets = {"quiet_hours_start": TIME_INPUT, "quiet_hours_end": TIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            kind__in=["company", "branch"]
        )
        if self.instance.pk:
            self.initial.setdefault(
                "phones", ", ".join(p.number for p in self.instance.phones.all())
            )
            self.initial.setdefault(
                "tags", ", ".join(t.name for t in self.instance.tags.all())
            )
            self.initial.setdefault("consent_service", self.instance.consent_service)
            self.initial.setdefault(
                "consent_marketing", self.instance.consent_marketing
            )
        else:
            self.initial.setdefault("consent_service", True)

    def service_data(self) -> dict:
        """The cleaned data as keyword arguments of the archive services."""
        data = dict(self.cleaned_data)
        data["phones"] = _split(data["phones"])
        data["tags"] = _split(data["tags"])
        return data


class ProductForm(BootstrapFormMixin, forms.ModelForm):
    """An owned product; its validity is computed, so it is not a field here."""

    class Meta:
        model = OwnedProduct
        fields = [
            "model", "serial", "seller", "carrier", "installer", "sale_date",
            "delivery_date", "installation_date",
            "invoice_number", "invoice_price", "price_paid", "is_distance_sale", "external_id",
        ]  # fmt: skip
        widgets = {
            "sale_date": DATE_INPUT,
            "delivery_date": DATE_INPUT,
            "installation_date": DATE_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = ProductModel.objects.select_related("producer")
        self.fields["seller"].queryset = Party.objects.filter(kind=Party.Kind.SELLER)
        self.fields["carrier"].queryset = Party.objects.filter(kind=Party.Kind.CARRIER)
        self.fields["installer"].queryset = Party.objects.filter(
            kind=Party.Kind.INSTALLER
        )


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    """Log a contact: channel, summary, disposition (one short form)."""

    class Meta:
        model = Contact
        fields = ["channel", "direction", "summary", "disposition", "reference"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].required = True


class PartyForm(BootstrapFormMixin, forms.ModelForm):
    """A producer, supplier, seller, carrier, installer or service provider."""

    class Meta:
        model = Party
        fields = [
            "name",
            "kind",
            "contact_person",
            "phone",
            "email",
            "address",
            "external_id",
        ]


class ProductModelForm(BootstrapFormMixin, forms.ModelForm):
    """A product model (its category keys into the legal validity periods)."""

    main_components = forms.CharField(
        label=_("Main components"),
        required=False,
        help_text=_("Comma-separated, e.g. compressor."),
    )

    class Meta:
        model = ProductModel
        fields = [
            "producer", "code", "name", "category", "launch_date", "end_of_life_date",
            "maintenance_interval_months",
        ]  # fmt: skip
        widgets = {"launch_date": DATE_INPUT, "end_of_life_date": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = Party.objects.filter(
            kind=Party.Kind.PRODUCER
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["main_components"] = _split(data["main_components"])
        return data


class MergeForm(forms.Form):
    """Merge `duplicate` into `survivor`."""

    survivor = forms.IntegerField(widget=forms.HiddenInput)
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
