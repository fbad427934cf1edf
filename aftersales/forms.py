"""Forms of the cross-cutting app."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The sign-in form, with Bootstrap-ready widgets."""

    username = forms.CharField(
        label=_("Username or e-mail"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class MarkReadForm(forms.Form):
    """Which notifications to mark read (none given: all)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = (
            [(v, v) for v in self.data.getlist("ids")] if self.data else []
        )
