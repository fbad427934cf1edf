"""The form renderer builds `<select>` in Python: its markup must be the one Django's
widget templates give, for every kind of select the product renders."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from aftersales.renderers import FormRenderer


class Colours(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("r", "Red"), ("g", "Green")])
    grouped = forms.ChoiceField(
        choices=[
            ("Warm", [("r", "Red"), ("o", "Orange")]),
            ("Cool", [("b", "Blue")]),
            ("x", "Other"),
        ]
    )
    several = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", "Two"), ("3", "Three")], required=False
    )
    escaped = forms.ChoiceField(
        choices=[('a"b', "<b>bold</b> & co"), ("中", "中文")],
        widget=forms.Select(attrs={"class": "form-select", "data-x": '"q"'}),
    )
    number = forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], coerce=int)
    disabled = forms.ChoiceField(choices=[("a", "A")], disabled=True)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {
            "plain": "g",
            "grouped": "o",
            "several": ["1", "3"],
            "escaped": 'a"b',
            "number": "2",
        },
        {"plain": "nope", "several": ["9"]},
    ],
)
def test_select_markup_is_djangos(data):
    ours, django = (
        Colours(data or None, renderer=FormRenderer()),
        Colours(data or None, renderer=DjangoTemplates()),
    )
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name


def test_escaping_and_selection():
    html = str(Colours({"escaped": 'a"b'}, renderer=FormRenderer())["escaped"])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert 'value="a&quot;b" selected' in html
    assert 'data-x="&quot;q&quot;"' in html


class StarWidget(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


def test_an_option_template_of_its_own_is_rendered_by_it():
    field = forms.ChoiceField(choices=[("a", "A")], widget=StarWidget)
    form = type("F", (forms.Form,), {"f": field})(renderer=FormRenderer())
    assert "<label><input" in str(form["f"])  # radio_option.html, not an <option>


def test_it_is_the_products_renderer(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "aftersales.renderers.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
