"""Forms of the cross-cutting app."""

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
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


def apply_validation_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on a form: known fields get their messages, the
    rest become form-wide errors (nothing a service says is lost)."""
    for field, field_messages in exc.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


class BootstrapFormMixin:
    """Give every widget its Bootstrap class (form-control, form-select, form-check-input)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_bootstrap()

    def apply_bootstrap(self) -> None:
        """Set the classes on the current fields (call again after adding fields)."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget,
                forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple,
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def form_errors_message(request, form: forms.Form) -> None:
    """Every error of a form posted from a panel of another page (which cannot show the
    form itself) as one error message, each prefixed with its field's label."""
    texts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        texts += [f"{label}: {error}" if label else str(error) for error in errors]
    messages.error(request, " ".join(texts))
