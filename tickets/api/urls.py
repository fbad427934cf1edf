"""Routes of the tickets API (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("handovers", views.HandoverViewSet, basename="handover")

urlpatterns = router.urls
