"""Forms of the ownership pages: transfer requests and decisions, unit queue modes. Shape
only; the rules live in tickets/ownership/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.forms import BootstrapFormMixin
from aftersales.models import User
from aftersales.roles import Role
from tickets.models import UnitQueue


class TransferRequestForm(BootstrapFormMixin, forms.Form):
    """Ask a colleague to become the case's first owner."""

    to_user = forms.ModelChoiceField(
        label=_("New first owner"),
        queryset=User.objects.filter(is_active=True)
        .exclude(groups__name=Role.CUSTOMER)
        .order_by("username"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("e.g. leave from 3 to 20 March, departure"),
    )


class TransferDecisionForm(BootstrapFormMixin, forms.Form):
    """Accept, reject (with a reason) or withdraw a transfer."""

    decision = forms.ChoiceField(
        choices=[
            ("accept", pgettext_lazy("transfer", "Accept")),
            ("reject", pgettext_lazy("transfer", "Reject")),
            ("cancel", pgettext_lazy("transfer", "Withdraw")),
        ]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class QueueModeForm(BootstrapFormMixin, forms.Form):
    """How the unit's queue hands out cases handed over to the unit."""

    mode = forms.ChoiceField(
        label=_("Assignment"),
        choices=UnitQueue.Mode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Automatic modes name a member for each case handed over to the unit "
            "without a person; the member still accepts it."
        ),
    )
