"""Routes of the standards API (assembled under /api/v1/ by aftersales/api/urls.py)."""

from django.urls import path

from aftersales.api.routers import Router
from standards.api import views

router = Router()
router.register("standards", views.StandardDocumentViewSet, basename="standard")
router.register(
    "standard-versions", views.StandardVersionViewSet, basename="standard-version"
)
router.register("legal-rule-sets", views.LegalRuleSetViewSet, basename="legal-rule-set")
router.register(
    "change-requests", views.ChangeRequestViewSet, basename="change-request"
)

urlpatterns = [
    path(
        "service-standards/effective/",
        views.EffectiveServiceStandardView.as_view(),
        name="service-standard-effective",
    ),
    path(
        "calendar/add-working-days/",
        views.AddWorkingDaysView.as_view(),
        name="calendar-add-working-days",
    ),
    path(
        "calendar/add-business-hours/",
        views.AddBusinessHoursView.as_view(),
        name="calendar-add-business-hours",
    ),
    path(
        "calendar/legal-deadline/",
        views.LegalDeadlineView.as_view(),
        name="calendar-legal-deadline",
    ),
    *router.urls,
]
