"""API routes of the tickets attachments concern (files on a case); assembled by
tickets/api/urls.py."""

from aftersales.api.routers import Router
from tickets.attachments.api import views

router = Router()
router.register(
    r"tickets/(?P<ticket_id>[^/]+)/attachments",
    views.TicketAttachmentViewSet,
    basename="ticket-attachment",
)
router.register("attachments", views.AttachmentViewSet, basename="attachment")
urlpatterns = [*router.urls]
