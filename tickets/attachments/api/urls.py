"""API routes of the tickets attachments concern (files on a case); assembled by
tickets/api/urls.py."""

from rest_framework.routers import SimpleRouter

from tickets.attachments.api import views

router = SimpleRouter()
router.register(
    r"tickets/(?P<ticket_id>[^/]+)/attachments",
    views.TicketAttachmentViewSet,
    basename="ticket-attachment",
)
router.register("attachments", views.AttachmentViewSet, basename="attachment")
urlpatterns = [*router.urls]
