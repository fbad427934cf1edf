"""API routes of the tickets recourse concern (compensations, recourse claims, party ledger);
assembled by tickets/api/urls.py."""

from django.urls import path

from aftersales.api.routers import Router
from tickets.recourse.api import views

router = Router()
router.register(
    "recourse-claims", views.RecourseClaimViewSet, basename="recourse-claim"
)
urlpatterns = [
    path(
        "tickets/<str:pk>/compensations/",
        views.TicketCompensationsView.as_view(),
        name="ticket-compensations",
    ),
    path(
        "compensations/<int:pk>/approve/",
        views.CompensationApproveView.as_view(),
        name="compensation-approve",
    ),
    path(
        "parties/<int:pk>/ledger/",
        views.PartyLedgerView.as_view(),
        name="party-ledger",
    ),
    *router.urls,
]
