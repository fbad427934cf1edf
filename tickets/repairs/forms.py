"""Forms of the repairs panel on the case page (repairs, field visits, offers): input
shape only; the rules live in tickets/repairs/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.forms import BootstrapFormMixin
from tickets import entitlement
from tickets.models import Repair
from tickets.repairs.selectors import technicians

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class _TechnicianField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class RepairRecordForm(BootstrapFormMixin, forms.Form):
    """Record a repair of the case's product (open, or already finished)."""

    started_on = forms.DateField(label=_("Handed in on"), widget=_DATE)
    ended_on = forms.DateField(
        label=_("Returned on"), required=False, widget=_DATE,
        help_text=_("Leave empty while the repair is in progress."),
    )  # fmt: skip
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Repair.Outcome.choices,
        initial=Repair.Outcome.IN_PROGRESS,
    )
    parts_wait_days = forms.IntegerField(
        label=_("Days waiting for parts"), min_value=0, initial=0
    )
    technician = _TechnicianField(
        label=_("Technician"), queryset=technicians(), required=False
    )
    fault_code = forms.CharField(label=_("Fault code"), max_length=50, required=False)
    same_problem = forms.BooleanField(
        label=_("Same problem as before"), required=False, initial=True
    )
    repairer_fault = forms.BooleanField(
        label=_("Delay caused by the repairer"), required=False
    )
    diagnosis = forms.CharField(
        label=_("Diagnosis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    work_done = forms.CharField(
        label=_("Work done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_parts_wait_days(self) -> int:
        return self.cleaned_data.get("parts_wait_days") or 0


class RepairFinishForm(BootstrapFormMixin, forms.Form):
    """Finish the open repair: fixed or failed."""

    ended_on = forms.DateField(label=_("Returned on"), widget=_DATE)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Repair.Outcome.FIXED, Repair.Outcome.FIXED.label),
            (Repair.Outcome.FAILED, Repair.Outcome.FAILED.label),
        ],
    )
    parts_wait_days = forms.IntegerField(
        label=_("Days waiting for parts"), min_value=0, required=False
    )
    work_done = forms.CharField(
        label=_("Work done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VisitScheduleForm(BootstrapFormMixin, forms.Form):
    """Book a technician's visit."""

    technician = _TechnicianField(label=_("Technician"), queryset=technicians())
    appointment_start = forms.DateTimeField(
        label=_("Appointment from"), widget=_DATETIME
    )
    appointment_end = forms.DateTimeField(
        label=_("Appointment until"), required=False, widget=_DATETIME
    )


class VisitCompleteForm(BootstrapFormMixin, forms.Form):
    """What happened at the customer's, with one box per item of the pinned standard's
    conduct checklist (`checklist` in cleaned_data: {item: done})."""

    arrived_at = forms.DateTimeField(label=_("Arrived at"), widget=_DATETIME)
    departed_at = forms.DateTimeField(
        label=_("Left at"), required=False, widget=_DATETIME
    )
    diagnosis = forms.CharField(
        label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 2})
    )
    parts = forms.CharField(
        label=_("Parts used"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    fees = forms.DecimalField(
        label=_("Fees charged (CNY)"), min_value=0, max_digits=10, decimal_places=2,
        initial=0,
    )  # fmt: skip
    customer_confirmed = forms.BooleanField(
        label=_("Confirmed by the customer"), required=False
    )

    def __init__(self, *args, checklist: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_items = list(checklist)
        for index, item in enumerate(self.checklist_items):
            self.fields[f"check_{index}"] = forms.BooleanField(
                label=item, required=False
            )
        self.apply_bootstrap()

    def checklist_fields(self) -> list:
        """The bound checkbox of each checklist item, in the standard's order."""
        return [self[f"check_{i}"] for i in range(len(self.checklist_items))]

    def other_fields(self) -> list:
        """Every field but the checklist boxes."""
        return [field for field in self if not field.name.startswith("check_")]

    def clean(self) -> dict:
        data = super().clean()
        data["checklist"] = {
            item: bool(data.pop(f"check_{index}", False))
            for index, item in enumerate(self.checklist_items)
        }
        return data


class OfferForm(BootstrapFormMixin, forms.Form):
    """Offer a remedy; the options the customer is owed are marked."""

    option = forms.ChoiceField(label=pgettext_lazy("remedy", "Offer"))
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when offering less than the customer is owed."),
    )  # fmt: skip

    def __init__(self, *args, owed: list[str] | tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [
            (
                option,
                _("%(label)s (owed)") % {"label": entitlement.OPTION_LABELS[option]}
                if option in owed
                else entitlement.OPTION_LABELS[option],
            )
            for option in entitlement.RANK
        ]
        if owed:
            self.fields["option"].initial = owed[0]


class OfferDecideForm(BootstrapFormMixin, forms.Form):
    """Approve or reject an offer below the entitlement (a note is needed to reject)."""

    decision = forms.ChoiceField(
        choices=[
            ("approve", pgettext_lazy("offer", "Approve")),
            ("reject", pgettext_lazy("offer", "Reject")),
        ]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
