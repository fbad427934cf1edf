"""Form of the attachments panel: shape only; type, size and storage are decided by
tickets/attachments/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin


class AttachmentForm(BootstrapFormMixin, forms.Form):
    """Attach a file to the case."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("Photo (JPEG, PNG, WebP, GIF), PDF, plain text or MP4 video."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,"
                   "application/pdf,text/plain,video/mp4"}
        ),
    )  # fmt: skip
    public = forms.BooleanField(label=_("The customer sees this"), required=False)
