from django.urls import path

from dashboards.api.views import KpiView

urlpatterns = [
    path("kpis/", KpiView.as_view(), name="kpis"),
]
