"""Forms of the voice loop pages: input shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from customers.models import ProductModel
from feedback.models import FeedbackItem
from standards.models import ChangeRequest


def split_codes(text: str) -> list[str]:
    """ "delivery, price" → ["delivery", "price"]."""
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class FeedbackItemForm(BootstrapFormMixin, forms.Form):
    """A new feedback item (customer and case come from the page's query string)."""

    source = forms.ChoiceField(label=_("Source"), choices=FeedbackItem.Source.choices)
    text = forms.CharField(
        label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 4})
    )
    topic_codes = forms.CharField(
        label=_("Topic codes"),
        required=False,
        help_text=_("Comma-separated, e.g. delivery, price."),
    )
    product_model = forms.ModelChoiceField(
        label=_("Product model"), queryset=ProductModel.objects.all(), required=False
    )

    def clean_topic_codes(self) -> list[str]:
        return split_codes(self.cleaned_data.get("topic_codes", ""))


class TriageForm(BootstrapFormMixin, forms.Form):
    """Triage: topic codes; the person triaging becomes the owner."""

    topic_codes = forms.CharField(label=_("Topic codes"), required=False)

    def clean_topic_codes(self) -> list[str]:
        return split_codes(self.cleaned_data.get("topic_codes", ""))


class ReplyForm(BootstrapFormMixin, forms.Form):
    """The reply to the customer (answer, or what was done)."""

    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(BootstrapFormMixin, forms.Form):
    """Why nothing will be done (sent to the customer as the reply)."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CiteForm(BootstrapFormMixin, forms.Form):
    """Cite the item in an open change request on a standard."""

    change_request = forms.ModelChoiceField(
        label=_("Change request"), queryset=ChangeRequest.objects.none()
    )

    def __init__(self, *args, change_requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        if change_requests is not None:
            self.fields["change_request"].queryset = change_requests
        self.fields["change_request"].label_from_instance = lambda cr: (
            f"{cr.document.code} · {cr.title}"
        )


class ImprovementActionForm(BootstrapFormMixin, forms.Form):
    """An addressed unit's improvement action."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    fault_code = forms.ChoiceField(label=_("Fault code"), required=False)
    description = forms.CharField(
        label=_("Action"), widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(
        label=_("Due"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units, fault_codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["fault_code"].choices = [("", _("All faults"))] + [
            (code, code) for code in fault_codes
        ]
        self.apply_bootstrap()


class QaRecallForm(BootstrapFormMixin, forms.Form):
    """What the customer told QA on the re-call."""

    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=10)
    resolved = forms.TypedChoiceField(
        label=_("Problem solved?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseNoteForm(BootstrapFormMixin, forms.Form):
    """A quality manager's note closing an improvement action."""

    note = forms.CharField(
        label=_("Why it is closed"), widget=forms.Textarea(attrs={"rows": 3})
    )
