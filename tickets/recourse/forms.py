"""Forms of the compensation and recourse pages: input shape only (the services decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from customers.models import Party
from tickets.models import Attachment, CompensationKind, Liability, Ticket
from tickets.workflow import ClaimAction

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class CompensationForm(BootstrapFormMixin, forms.Form):
    """Record a compensation paid first (先行赔付)."""

    prefix = "compensation"

    kind = forms.ChoiceField(label=_("Kind"), choices=CompensationKind.choices)
    amount = forms.DecimalField(label=_("Amount (CNY)"), **MONEY)
    liability = forms.ChoiceField(
        label=_("Liability"),
        required=False,
        help_text=_("Empty: the case's liability."),
    )
    party = forms.ModelChoiceField(
        label=_("Liable party"),
        queryset=Party.objects.all(),
        required=False,
        help_text=_(
            "Empty: the party the product's record names for the liability (producer, "
            "seller, carrier or installer)."
        ),
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today (or at approval, for amounts that need it)."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liability"].choices = [("", "—"), *Liability.choices]


class CompensationApproveForm(forms.Form):
    paid_on = forms.DateField(required=False)


class ClaimCreateForm(BootstrapFormMixin, forms.Form):
    """Draft a claim by hand; a claimant party makes it a claim between two parties."""

    prefix = "claim"

    party = forms.ModelChoiceField(
        label=_("Liable party"), queryset=Party.objects.all()
    )
    claimant = forms.ModelChoiceField(
        label=_("Claimant"),
        queryset=Party.objects.all(),
        required=False,
        help_text=_("Empty: our company claims."),
    )
    amount = forms.DecimalField(label=_("Amount (CNY)"), **MONEY)
    basis = forms.CharField(label=_("Basis"), max_length=300, required=False)
    evidence_notes = forms.CharField(
        label=_("Evidence notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClaimEditForm(BootstrapFormMixin, forms.Form):
    """Basis, amount, evidence (files of the case) and notes of a draft or ready claim."""

    basis = forms.CharField(label=_("Basis"), max_length=300, required=False)
    amount = forms.DecimalField(label=_("Amount (CNY)"), **MONEY)
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence"),
        help_text=_("Files of the case (add files on the case page)."),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence_notes = forms.CharField(
        label=_("Evidence notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = ticket.attachments.all()


class ClaimActionForm(forms.Form):
    """One lifecycle step, with its reason or recovered amount when it takes one."""

    action = forms.ChoiceField(choices=ClaimAction.choices)
    reason = forms.CharField(required=False, max_length=2000)
    recovered_amount = forms.DecimalField(required=False, **MONEY)
