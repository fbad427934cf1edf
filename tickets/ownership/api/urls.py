"""API routes of the tickets ownership concern (ownership transfers); assembled by
tickets/api/urls.py."""

from rest_framework.routers import SimpleRouter

from tickets.ownership.api import views

router = SimpleRouter()
router.register(
    r"tickets/(?P<ticket_id>[^/]+)/ownership-transfers",
    views.TicketTransferViewSet,
    basename="ticket-ownership-transfer",
)
router.register(
    "ownership-transfers",
    views.TransferViewSet,
    basename="ownership-transfer",
)
urlpatterns = [*router.urls]
