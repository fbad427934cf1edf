"""The dashboards' filters, shared by the pages and the API: the period (a day, week, month,
quarter around a date, or a custom range `from`–`to`), the unit (its subtree), the person,
the product model, the channel and the case type; and who may see what."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.forms import BootstrapFormMixin
from aftersales.models import Unit, User
from aftersales.selectors import user_list
from customers.models import ProductModel
from dashboards.measures import Scope
from dashboards.periods import (
    MAX_DAYS,
    Period,
    PeriodKind,
    custom_period,
    period_containing,
)
from standards.parameters import CaseType, Channel

# The days a filter may name: the period arithmetic (the previous period, a trend's six
# periods, midnight after the last day) stays far inside what `datetime.date` can hold.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
DAY_VALIDATORS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


def sees_dashboard(user) -> bool:
    """Supervisors (their subtree), quality managers, managers and administrators."""
    return permissions.sees_acknowledgement_gaps(user)


def visible_unit_ids(user) -> tuple[int, ...] | None:
    """The units whose figures `user` may see: None for all (company-wide roles), else the
    subtrees of the units they supervise. Raises PermissionDenied for anyone else."""
    if permissions.sees_company_wide(user):
        return None
    if not sees_dashboard(user):
        raise PermissionDenied
    return permissions.unit_scope(user).seen_ids


def viewer_or(form, user: User | None) -> int | None:
    """The person filter: the viewer themselves when they see only their own figures."""
    if form.own_only:
        return form.viewer.pk
    return user.pk if user is not None else None


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    """Validated filters → a `Scope` and a `Period`."""

    period = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, required=False
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Any day of the period."),
        validators=DAY_VALIDATORS,
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False
    )
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False
    )
    product_model = forms.ModelChoiceField(
        label=_("Product model"), queryset=ProductModel.objects.none(), required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    type = forms.ChoiceField(label=_("Case type"), required=False)

    def __init__(
        self, data=None, *, viewer: User, now=None, own=False, rendered=True, **kwargs
    ):
        """`own`: a member of staff who sees no dashboard may still see their own
        figures (the scorecard): the person is then always the viewer. `rendered=False`
        (the API): the unit, person and model choices are only built for a field that
        is given (nothing lists them)."""
        super().__init__(data, **kwargs)
        self.viewer = viewer
        self.now = now or timezone.now()
        self.own_only = bool(
            own and permissions.is_staff(viewer)
        ) and not sees_dashboard(viewer)
        self.allowed_unit_ids = None if self.own_only else visible_unit_ids(viewer)
        # `from` and `to` are Python keywords: declared here, not as attributes.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                validators=DAY_VALIDATORS,
            )
        given = {
            name for name in ("unit", "user", "product_model")
            if rendered or (data is not None and data.get(name) not in (None, ""))
        }  # fmt: skip
        if "unit" in given:
            units = Unit.objects.order_by("path")
            if self.allowed_unit_ids is not None:
                units = units.filter(pk__in=self.allowed_unit_ids)
            self.fields["unit"].queryset = units
        if "user" in given:
            self.fields["user"].queryset = user_list(viewer=viewer).prefetch_related(
                None
            )
        if self.own_only:
            self.fields["user"].queryset = User.objects.filter(pk=viewer.pk)
            self.fields["unit"].queryset = Unit.objects.none()
        if "product_model" in given:
            self.fields["product_model"].queryset = ProductModel.objects.order_by(
                "code"
            )
        self.fields["channel"].choices = [("", _("Any")), *Channel.choices]
        self.fields["type"].choices = [("", _("Any")), *CaseType.choices]
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "Choose a unit whose figures you may see."
        )
        self.fields["user"].error_messages["invalid_choice"] = _(
            "Choose a member of staff you may see."
        )
        self.apply_bootstrap()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and first > last:
            self.add_error("to", _("The end must not be before the start."))
        elif first or last:
            # One end alone is completed as get_period does (`from` alone runs to today).
            given = "to" if last else "from"
            first, last = self._custom_range(first, last)
            if (last - first).days + 1 > MAX_DAYS:
                self.add_error(given, _("Choose a period of at most ten years."))
        user = cleaned.get("user")
        if user is not None and self.allowed_unit_ids is not None:
            units = set(user.memberships.values_list("unit_id", flat=True))
            if not units & set(self.allowed_unit_ids):
                self.add_error("user", _("Choose a member of staff you may see."))
        return cleaned

    def get_period(self) -> Period:
        """The period asked for (the current month by default)."""
        data = self.cleaned_data if self.is_valid() else {}
        first, last = data.get("from"), data.get("to")
        if first or last:
            return custom_period(*self._custom_range(first, last))
        kind = data.get("period") or PeriodKind.MONTH
        if kind == PeriodKind.CUSTOM:
            kind = PeriodKind.MONTH
        return period_containing(kind, data.get("date") or timezone.localdate(self.now))

    def _custom_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        """A custom period's days from one or both ends: `to` alone starts on the first
        of its month, `from` alone runs to today (or is a single day in the future)."""
        if first is None:
            first = last.replace(day=1)
        if last is None:
            last = max(first, timezone.localdate(self.now))
        return first, last

    def get_scope(self, period: Period | None = None) -> Scope:
        """The scope of the (valid) filters for `period` (default: the one asked for)."""
        data = self.cleaned_data
        period = period or self.get_period()
        start, end = period.span(timezone.get_current_timezone())
        unit_ids = self.allowed_unit_ids
        if data.get("unit") is not None:
            subtree = Unit.objects.subtree_of([data["unit"]]).values_list(
                "pk", flat=True
            )
            chosen = set(subtree)
            if unit_ids is not None:
                chosen &= set(unit_ids)
            unit_ids = tuple(sorted(chosen))
        return Scope(
            start=start,
            end=end,
            now=self.now,
            unit_ids=unit_ids,
            user_id=viewer_or(self, data.get("user")),
            product_model_id=data["product_model"].pk
            if data.get("product_model")
            else None,
            channel=data.get("channel") or None,
            case_type=data.get("type") or None,
            unit_id=data["unit"].pk if data.get("unit") is not None else None,
        )


def last_complete_month(today: date) -> Period:
    """The calendar month before the one holding `today`."""
    return period_containing(PeriodKind.MONTH, today.replace(day=1) - timedelta(days=1))
