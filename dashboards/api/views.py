"""KPI API: `GET /api/v1/kpis/?from=&to=&unit=&user=&product_model=&channel=&type=`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import IsStaffMember
from dashboards import selectors
from dashboards.forms import DashboardFilterForm

_FILTERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day included."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter("unit", OpenApiTypes.INT, description="A unit: its subtree."),
    OpenApiParameter("user", OpenApiTypes.INT, description="A member of staff."),
    OpenApiParameter("product_model", OpenApiTypes.INT),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("type", OpenApiTypes.STR, description="Case type."),
]  # fmt: skip


def form_errors(form) -> dict[str, list[str]]:
    """A form's errors as the API's `{"field": ["message"]}`."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


class KpiView(APIView):
    """Every KPI of domain §8 for the period and filters, by key, each
    `{"value", "numerator", "denominator", "target", "ceiling", "breached"}` (`value` null
    when the denominator is 0; `on_time_rate` and `backlog_ageing` nest one per clock and
    age). Targets and ceilings: the service standard in force at the period's end.
    Supervisors see their subtree; quality managers and managers everything."""

    permission_classes = [IsStaffMember]

    @extend_schema(parameters=_FILTERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        try:
            form = DashboardFilterForm(
                request.query_params, viewer=request.user, rendered=False
            )
        except DjangoPermissionDenied:
            raise PermissionDenied(
                "Only supervisors, quality managers and managers see the KPIs."
            ) from None
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return Response(selectors.kpi_api(form.get_scope()))
