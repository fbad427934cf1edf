"""API routes of the tickets repairs concern (repairs, visits, offers); assembled by
tickets/api/urls.py."""

from django.urls import path

from tickets.repairs.api import views

urlpatterns = [
    path(
        "tickets/<str:pk>/repairs/",
        views.TicketRepairsView.as_view(),
        name="ticket-repairs",
    ),
    path(
        "repairs/<int:pk>/finish/",
        views.RepairFinishView.as_view(),
        name="repair-finish",
    ),
    path(
        "tickets/<str:pk>/visits/",
        views.TicketVisitsView.as_view(),
        name="ticket-visits",
    ),
    path(
        "visits/<int:pk>/complete/",
        views.VisitCompleteView.as_view(),
        name="visit-complete",
    ),
    path(
        "tickets/<str:pk>/offers/",
        views.TicketOffersView.as_view(),
        name="ticket-offers",
    ),
    path(
        "offers/<int:pk>/approve/",
        views.OfferApproveView.as_view(),
        name="offer-approve",
    ),
    path(
        "offers/<int:pk>/reject/",
        views.OfferRejectView.as_view(),
        name="offer-reject",
    ),
]
