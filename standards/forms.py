"""Forms of the standards pages. Shape and field validation only; rules live in services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from aftersales.models import Unit, User
from standards import calendar as business_calendar
from standards import parameters as params
from standards.models import ChangeRequest, StandardDocument

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StandardDocumentForm(BootstrapFormMixin, forms.ModelForm):
    """A new standard document."""

    class Meta:
        model = StandardDocument
        fields = ["code", "title", "kind", "owner_unit", "owner", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).exclude(
            groups__name="customer"
        )


class VersionForm(BootstrapFormMixin, forms.Form):
    """What a draft version says besides its parameters."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep the standard's title."),
    )
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=DATE_INPUT,
        help_text=_("The version takes effect on this day once approved."),
    )
    next_review_due = forms.DateField(
        label=_("Next review due"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("Default: 36 months after the effective date."),
    )
    change_summary = forms.CharField(
        label=_("What changes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    body = forms.CharField(label=_("Clauses"), widget=forms.Textarea(attrs={"rows": 8}),
                           required=False, help_text=_("One clause a line."))  # fmt: skip


class NewVersionForm(VersionForm):
    """A new draft, which may implement accepted change requests of the standard."""

    implements = forms.ModelMultipleChoiceField(
        label=_("Implements change requests"),
        queryset=ChangeRequest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Accepted requests this version carries out; they are marked implemented "
                    "when it becomes effective."),
    )  # fmt: skip

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["implements"].queryset = ChangeRequest.objects.filter(
            document=document,
            status=ChangeRequest.Status.ACCEPTED,
            implemented_by__isnull=True,
        )
        if not self.fields["implements"].queryset.exists():
            del self.fields["implements"]


def _field_name(path: str) -> str:
    return "p__" + path.replace(".", "__")


class ServiceParametersForm(BootstrapFormMixin, forms.Form):
    """Every service-standard parameter as a form field, grouped and explained (the schema in
    standards/parameters.py). `to_parameters()` gives the nested dictionary back."""

    def __init__(
        self, *args, initial_parameters: dict | None = None, legal_codes=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.extra_parameters = dict(initial_parameters or {})
        for field in params.SCHEMA:
            value = params.get_path(initial_parameters or {}, field.path)
            self.fields[_field_name(field.path)] = self._form_field(
                field, value, legal_codes
            )
        self.apply_bootstrap()

    @staticmethod
    def _form_field(field: params.Field, value: Any, legal_codes) -> forms.Field:
        common = {"label": field.label, "help_text": field.help, "required": False}
        if field.kind == "bool":
            return forms.BooleanField(initial=bool(value), **common)
        if field.kind == "choice":
            choices = list(field.choices) or [(code, code) for code in legal_codes]
            if not field.required:
                choices = [("", _("Any")), *choices]
            return forms.ChoiceField(choices=choices, initial=value, **common)
        if field.kind == "list":
            text = ("\n" if field.path == "conduct_checklist" else ", ").join(
                value or []
            )
            widget = (
                forms.Textarea(attrs={"rows": 4})
                if field.path == "conduct_checklist"
                else None
            )
            return forms.CharField(initial=text, widget=widget, **common)
        if field.kind == "time":
            return forms.CharField(
                initial=value, widget=forms.TimeInput(attrs={"type": "time"}), **common
            )
        if field.kind == "text":
            return forms.CharField(initial=value or "", **common)
        return forms.DecimalField(initial=value, min_value=None, **common)

    def groups(self) -> list[tuple[str, list]]:
        """Bound fields by schema group, in schema order."""
        grouped: dict[str, list] = {}
        for field in params.SCHEMA:
            grouped.setdefault(field.group.split(".")[0], []).append(
                self[_field_name(field.path)]
            )
        return list(grouped.items())

    def to_parameters(self) -> dict[str, Any]:
        """The nested parameters from the cleaned data (numbers as int or float)."""
        result = dict(self.extra_parameters)
        for field in params.SCHEMA:
            value = self.cleaned_data.get(_field_name(field.path))
            if isinstance(value, Decimal):
                value = (
                    int(value) if value == value.to_integral_value() else float(value)
                )
            elif field.kind == "list":
                separator = "\n" if field.path == "conduct_checklist" else ","
                value = [
                    item.strip()
                    for item in (value or "").split(separator)
                    if item.strip()
                ]
            elif value in ("", None) and not field.required and field.kind != "text":
                value = None
            params.set_path(result, field.path, value)
        return result

    def add_parameter_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach `{"parameters.<path>": [messages]}` from a service to their fields."""
        for key, messages in errors.items():
            name = _field_name(key.removeprefix("parameters."))
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class VersionActionForm(BootstrapFormMixin, forms.Form):
    """A lifecycle action with its note (a reason is needed to return or withdraw)."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("submit", "return", "approve", "withdraw")]
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChangeRequestForm(BootstrapFormMixin, forms.Form):
    """A proposed change to a standard."""

    title = forms.CharField(label=_("Title"), max_length=200)
    proposed_change = forms.CharField(
        label=_("Proposed change"), widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_links = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One link or reference a line: feedback items, KPI breaches, "
                    "corrective actions."),
    )  # fmt: skip


class DecisionForm(BootstrapFormMixin, forms.Form):
    """Accept or reject a change request, with the reason."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CalendarOverrideForm(BootstrapFormMixin, forms.Form):
    """A company or unit day off / extra working day."""

    day = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    is_working = forms.TypedChoiceField(
        label=_("The day is"), coerce=lambda v: v == "1",
        choices=[("0", _("a day off")), ("1", _("a working day"))],
    )  # fmt: skip
    name = forms.CharField(label=_("Reason"), max_length=100)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False,
                                  empty_label=_("Whole company"))  # fmt: skip


class WorkingDaysForm(BootstrapFormMixin, forms.Form):
    """Calculator: a date plus working days."""

    def clean_start(self):
        start = self.cleaned_data["start"]
        if not business_calendar.MIN_DATE <= start <= business_calendar.MAX_DATE:
            raise forms.ValidationError(
                _("Enter a date between %(min)s and %(max)s.")
                % {"min": business_calendar.MIN_DATE, "max": business_calendar.MAX_DATE}
            )
        return start

    start = forms.DateField(label=_("Start"), widget=DATE_INPUT)
    days = forms.IntegerField(label=_("Working days"), min_value=0, max_value=3650)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False,
                                  empty_label=_("Company default"))  # fmt: skip
