"""API routes of the tickets cases concern (cases, their lifecycle actions, handovers);
assembled by tickets/api/urls.py."""

from rest_framework.routers import SimpleRouter

from tickets.cases.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("handovers", views.HandoverViewSet, basename="handover")
urlpatterns = router.urls
