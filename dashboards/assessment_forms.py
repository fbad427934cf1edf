"""Forms of the GB/T 27922 self-assessment pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.forms import BootstrapFormMixin
from standards.models import AssessmentIndicator


class ItemForm(BootstrapFormMixin, forms.Form):
    """A third-level item under a second-level indicator."""

    parent = forms.ModelChoiceField(
        label=_("Under"), queryset=AssessmentIndicator.objects.none()
    )
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Item"), max_length=300)
    max_points = forms.DecimalField(
        label=_("Points"), max_digits=6, decimal_places=1, min_value=0.1
    )

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = framework.indicators.filter(level=2).order_by(
            "position"
        )


class StartForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class ScoreForm(BootstrapFormMixin, forms.Form):
    """Every item of a draft assessment (applicable, points, evidence), the special
    deductions and the bonus."""

    special_deductions = forms.IntegerField(
        label=_("Special deductions (−1 each)"), min_value=0, max_value=100, initial=0
    )
    deduction_notes = forms.CharField(
        label=_("Reasons for the deductions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    bonus = forms.BooleanField(label=_("Bonus point (+1, at most one)"), required=False)
    bonus_note = forms.CharField(
        label=_("Reason for the bonus"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(assessment.scores.select_related("indicator"))
        for row in self.rows:
            self.fields[f"applicable_{row.pk}"] = forms.BooleanField(
                label=_("Applicable"), required=False, initial=row.applicable
            )
            self.fields[f"points_{row.pk}"] = forms.DecimalField(
                label=_("Points obtained"),
                required=False,
                max_digits=6,
                decimal_places=1,
                min_value=0,
                initial=row.points,
            )
            self.fields[f"evidence_{row.pk}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                initial=row.evidence,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
        self.fields["special_deductions"].initial = assessment.special_deductions
        self.fields["deduction_notes"].initial = assessment.deduction_notes
        self.fields["bonus"].initial = assessment.bonus
        self.fields["bonus_note"].initial = assessment.bonus_note
        self.apply_bootstrap()

    def scores(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            row.pk: {
                "applicable": data.get(f"applicable_{row.pk}", False),
                "points": data.get(f"points_{row.pk}"),
                "evidence": data.get(f"evidence_{row.pk}", ""),
            }
            for row in self.rows
        }

    def item_fields(self, row):
        return (
            self[f"applicable_{row.pk}"],
            self[f"points_{row.pk}"],
            self[f"evidence_{row.pk}"],
        )
