"""Forms of the care pages: input shape only; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.forms import BootstrapFormMixin
from customers.models import Customer
from feedback.models import CareProgramme

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CareProgrammeForm(BootstrapFormMixin, forms.ModelForm):
    """A care programme: audience, timing, channels and message templates."""

    segments = forms.MultipleChoiceField(
        label=_("Segments"),
        choices=Customer.Segment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every segment."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=CareProgramme.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The first one the customer can be reached on is used (their preferred "
            "channel first)."
        ),
    )

    class Meta:
        model = CareProgramme
        fields = [
            "name", "kind", "description", "active", "owner", "segments",
            "product_models", "category", "serial_from", "serial_to", "validity_basis",
            "days_before", "maintenance_interval_months", "period_months", "starts_on",
            "ends_on", "channels", "frequency_cap_days", "language", "subject_zh",
            "body_zh", "subject_en", "body_en",
        ]  # fmt: skip
        widgets = {
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 2}),
            "body_zh": forms.Textarea(attrs={"rows": 4}),
            "body_en": forms.Textarea(attrs={"rows": 4}),
            "product_models": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "body_en": _(
                "Placeholders: {customer}, {programme}, {model}, {model_name}, "
                "{serial}, {validity_end}, {due_date}."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            self.fields["owner"]
            .queryset.filter(groups__name__in=permissions.CARE_OWNERS)
            .distinct()
        )
        if self.instance.pk:
            self.initial.setdefault("segments", self.instance.segments)
            self.initial.setdefault("channels", self.instance.channels)
        else:
            self.initial.setdefault("channels", [CareProgramme.Channel.SMS])

    def clean_channels(self) -> list[str]:
        """Keep the order of the choices (SMS, e-mail, call)."""
        chosen = set(self.cleaned_data["channels"])
        return [value for value in CareProgramme.Channel.values if value in chosen]

    def service_data(self) -> dict:
        """The cleaned data as keyword arguments of the care services."""
        data = dict(self.cleaned_data)
        data["product_models"] = list(data["product_models"])
        return data


class RunConfirmForm(forms.Form):
    """The explicit confirmation of "send now"."""

    confirm = forms.BooleanField(
        label=_("I checked the preview: send to this audience now."), required=True
    )
