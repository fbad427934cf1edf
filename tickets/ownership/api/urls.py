"""API routes of the tickets ownership concern (ownership transfers); assembled by
tickets/api/urls.py."""

from aftersales.api.routers import Router
from tickets.ownership.api import views

router = Router()
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
