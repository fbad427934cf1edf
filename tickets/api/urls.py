"""Routes of the tickets API (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("handovers", views.HandoverViewSet, basename="handover")
urlpatterns = router.urls

# Each section below adds its routes with `urlpatterns += [...]`.
# Section: repairs, visits, offers, from api/views/repairs.py.
# End of the repairs section.
# Section: compensations, recourse claims, party ledger, from api/views/recourse.py.
# End of the recourse section.
# Section: attachments, from api/views/attachments.py.
# End of the attachments section.
# Section: ownership transfers, from api/views/ownership.py.
# End of the ownership section.
