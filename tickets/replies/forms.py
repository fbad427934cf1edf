"""Forms of canned replies: keeping one, and picking one in a message form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from aftersales.models import Unit
from aftersales.placeholders import braced
from tickets.models import CannedReply
from tickets.replies import selectors
from tickets.replies.services import PLACEHOLDERS, reply_render


class ReplyForm(BootstrapFormMixin, forms.Form):
    """A canned reply's title, text, language and team."""

    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    unit = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Every team"),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.reply_units(user=user)
        self.fields["body"].help_text = _("Placeholders: %(names)s.") % {
            "names": braced(PLACEHOLDERS)
        }
        self.apply_bootstrap()


class CannedChoiceMixin:
    """A "saved reply" choice for a message form: picked with the message left empty,
    the reply's text (placeholders filled) becomes the message (`message_field`)."""

    message_field = "message"

    def add_canned_choice(self, user) -> None:
        self.fields["canned"] = forms.ModelChoiceField(
            label=_("Saved reply"),
            queryset=selectors.reply_list_usable(user=user),
            required=False,
            empty_label=_("None: write the message"),
        )
        self.fields[self.message_field].required = False
        # the choice first, the message below it
        self.order_fields(["canned", *[n for n in self.fields if n != "canned"]])

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get(self.message_field) or "").strip() and not cleaned.get(
            "canned"
        ):
            self.add_error(
                self.message_field, _("Write the message or pick a saved reply.")
            )
        return cleaned


def message_with_reply(cleaned: dict, *, message_field: str, ticket) -> dict:
    """The form's data for the service: the reply's text as the message when one was
    picked and no message written (the `canned` choice removed)."""
    data = dict(cleaned)
    reply: CannedReply | None = data.pop("canned", None)
    if reply is not None and not (data.get(message_field) or "").strip():
        data[message_field] = reply_render(reply=reply, ticket=ticket)
    return data


class NoticeForm(BootstrapFormMixin, forms.Form):
    """The subject and text of one customer message in one language."""

    subject = forms.CharField(label=_("E-mail subject"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("SMS carry the text only."),
    )

    def __init__(self, *args, placeholders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _(
            "Placeholders: %(names)s. SMS carry the text only."
        ) % {"names": braced(placeholders)}
        self.apply_bootstrap()
