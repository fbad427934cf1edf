"""Forms of the customer portal: input shape and field validation only (the rules live in
portal/services.py)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from customers import phones
from portal import selectors as portal_selectors
from portal.services import MAX_PHOTOS, PORTAL_TYPES, REPLY_MAX_LENGTH
from standards.parameters import CaseType
from tickets.attachments import services as attachments


def contact_normalise(raw: str) -> tuple[str, str]:
    """("email", address in lower case) or ("sms", E.164 mobile number) of what a visitor
    typed; ValidationError otherwise."""
    text = (raw or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address.")) from None
        return "email", text.lower()
    try:
        e164, _national = phones.normalise(text)
    except phones.InvalidPhone:
        raise ValidationError(
            _("Enter a mobile phone number or an e-mail address.")
        ) from None
    if phones.kind_of(e164) != "mobile":
        raise ValidationError(_("Enter a mobile number: the code comes by SMS."))
    return "sms", e164


SNIFF_BYTES = 2048  # enough for every signature the attachment service knows


def image_type(upload) -> str:
    """The image type a file's first bytes show ("" when it is not an accepted image)."""
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = attachments.attachment_sniff(head) or ""
    return content_type if content_type.startswith("image/") else ""


class ContactForm(BootstrapFormMixin, forms.Form):
    """Step 1: where to send the one-time code, and consent to be contacted."""

    contact = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "tel email", "autofocus": True}),
        help_text=_("We send you a 6-digit code to check it is yours."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the service team contacts me about this request and keeps "
            "my contact details for it."
        ),
        required=True,
    )

    def clean_contact(self) -> str:
        channel, value = contact_normalise(self.cleaned_data["contact"])
        self.cleaned_data["channel"] = channel
        return value


class CodeForm(BootstrapFormMixin, forms.Form):
    """Step 2: the code received."""

    code = forms.CharField(
        label=_("Code"),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("The code has 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
            }
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images (JPEG, PNG, GIF or WebP), each within the upload limit."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("At most %(n)s photos, please.") % {"n": MAX_PHOTOS}
            )
        limit = attachments.attachment_max_bytes()
        cleaned = []
        for upload in files:
            upload = super().clean(upload, initial)
            if upload.size > limit:
                raise ValidationError(
                    _("%(name)s is larger than %(limit)s.")
                    % {"name": upload.name, "limit": filesizeformat(limit)}
                )
            if not image_type(upload):
                raise ValidationError(
                    _("%(name)s is not a photo (JPEG, PNG, GIF or WebP).")
                    % {"name": upload.name}
                )
            cleaned.append(upload)
        return cleaned


class ComplaintForm(BootstrapFormMixin, forms.Form):
    """Step 3: who you are, what you need, the product, what happened, photos."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    type = forms.ChoiceField(
        label=_("What do you need?"),
        choices=[(value, CaseType(value).label) for value in PORTAL_TYPES],
        initial="complaint",
    )
    product_model = forms.ModelChoiceField(
        label=_("Product model"),
        queryset=portal_selectors.product_model_choices(),
        required=False,
        empty_label=_("Not in the list"),
    )
    product_text = forms.CharField(
        label=_("Product (if not in the list)"), max_length=200, required=False
    )
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=100,
        required=False,
        help_text=_("On the label at the back or under the product."),
    )
    purchase_date = forms.DateField(
        label=_("Purchase date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    safety_incident = forms.BooleanField(
        label=_("Someone was hurt or property was damaged"), required=False
    )
    photos = PhotosField(
        label=_("Photos (up to 3)"),
        required=False,
        help_text=_("The product, its label with the serial number, the receipt."),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            # The archive already knows a signed-in customer's name.
            del self.fields["name"]

    def clean_purchase_date(self):
        purchased = self.cleaned_data.get("purchase_date")
        if purchased and purchased > timezone.localdate():
            raise ValidationError(_("The purchase date cannot be in the future."))
        return purchased


class ReplyForm(BootstrapFormMixin, forms.Form):
    """A message from the customer on the case."""

    body = forms.CharField(
        label=_("Your message"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LinksForm(BootstrapFormMixin, forms.Form):
    """Ask for the links of one's cases again."""

    contact = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        help_text=_("The one you gave when you filed the request."),
    )

    def clean_contact(self) -> str:
        channel, value = contact_normalise(self.cleaned_data["contact"])
        self.cleaned_data["channel"] = channel
        return value
