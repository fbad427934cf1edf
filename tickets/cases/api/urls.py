"""API routes of the tickets cases concern (cases, their lifecycle actions, handovers);
assembled by tickets/api/urls.py."""

from aftersales.api.routers import Router
from tickets.cases.api import views

router = Router()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("handovers", views.HandoverViewSet, basename="handover")
urlpatterns = router.urls
