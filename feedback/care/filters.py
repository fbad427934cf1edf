"""FilterSets of the care pages and API (one class for both)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from feedback.models import CareProgramme, CareTouch


class CareProgrammeFilterSet(django_filters.FilterSet):
    """Programmes by kind and whether they are active."""

    class Meta:
        model = CareProgramme
        fields = ["kind", "active"]


class CareTouchFilterSet(django_filters.FilterSet):
    """Touches by programme, customer, status, skip reason, channel and run."""

    reason = django_filters.ChoiceFilter(
        field_name="skip_reason",
        choices=CareTouch.SkipReason.choices,
        label=_("Skip reason"),
    )

    class Meta:
        model = CareTouch
        fields = ["programme", "customer", "status", "reason", "channel", "run"]
