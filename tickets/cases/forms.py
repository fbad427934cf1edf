"""Forms of the case pages: shape and field validation; rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from aftersales.models import Unit, User
from customers.models import OwnedProduct
from standards.parameters import CaseType, Channel, Priority
from tickets.models import Liability
from tickets.replies.forms import CannedChoiceMixin


class TicketForm(BootstrapFormMixin, forms.Form):
    """Log a case for a customer found in the archive (pre-filled from it)."""

    product = forms.ModelChoiceField(
        label=_("Product"), queryset=OwnedProduct.objects.none(), required=False,
        empty_label=_("No particular product"),
    )  # fmt: skip
    type = forms.ChoiceField(
        label=_("Type"), choices=CaseType.choices, initial=CaseType.REPAIR
    )
    source = forms.ChoiceField(
        label=_("Received by"), choices=Channel.choices, initial=Channel.HOTLINE
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.P3
    )
    safety_incident = forms.BooleanField(
        label=_("Safety incident (injury or property damage)"), required=False,
        help_text=_("Raises the priority to P1 and alerts a manager; attach evidence."),
    )  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )
    fault_code = forms.CharField(label=_("Fault code"), max_length=50, required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["product"].queryset = customer.products.select_related("model")


class HandoverForm(BootstrapFormMixin, forms.Form):
    """Hand the work to a unit (and optionally a person in it) with a commitment."""

    to_unit = forms.ModelChoiceField(
        label=_("To unit"), queryset=Unit.objects.order_by("path")
    )
    to_user = forms.ModelChoiceField(
        label=_("To person (optional)"), required=False,
        queryset=User.objects.filter(is_active=True).exclude(groups__name="customer").order_by("username"),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500)
    commitment = forms.CharField(
        label=_("Commitment"), max_length=200, required=False,
        help_text=_("e.g. diagnose in 48 h"),
    )  # fmt: skip
    commitment_hours = forms.DecimalField(
        label=_("Commitment (hours)"), required=False, min_value=0, max_digits=7, decimal_places=2,
        help_text=_("The clock starts when the handover is accepted."),
    )  # fmt: skip


class InformForm(CannedChoiceMixin, BootstrapFormMixin, forms.Form):
    """What the customer was told, and how: after a call (recorded), or sent now by SMS
    or e-mail."""

    channel = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("call", _("I called the customer")),
            ("sms", _("Send it by SMS")),
            ("email", _("Send it by e-mail")),
        ],
        initial="call",
    )
    message = forms.CharField(
        label=_("What the customer was told"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_canned_choice(user)
        self.apply_bootstrap()


class ResolveForm(BootstrapFormMixin, forms.Form):
    """Cause, liability and resolution."""

    cause_code = forms.CharField(label=_("Cause code"), max_length=50)
    liability = forms.ChoiceField(label=_("Liability"), choices=Liability.choices)
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CommentForm(CannedChoiceMixin, BootstrapFormMixin, forms.Form):
    """An internal note or a reply the customer sees."""

    message_field = "body"
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("The customer sees this"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_canned_choice(user)
        self.apply_bootstrap()
