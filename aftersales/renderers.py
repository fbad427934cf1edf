"""The form renderer (settings.FORM_RENDERER): Django's own, except that a `<select>` is
built here rather than by Django's three widget templates. Those render an include for
each option and another for each option's attributes: three selects of a queue's filter bar
were a tenth of the page, and a handover form's list of staff costs a template render per
person. The markup is the templates' own (select.html, select_option.html, attrs.html);
a widget with templates of its own is rendered by them as before."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"` for each attribute, ` name` for True, none for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(
                f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
            )
    return "".join(parts)


def _option(option: dict) -> str:
    value = conditional_escape(str(option["value"]))
    label = conditional_escape(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>'


def render_select(widget: dict) -> str | None:
    """select.html for the widget's context, or None when an option has a template of
    its own."""
    out = [
        f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
    ]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            out.append("\n  " + _option(option) + "\n")  # the template ends a line
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    """Django's template renderer with the `<select>` built in Python."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
