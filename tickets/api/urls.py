"""Routes of the tickets API (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from tickets.attachments.api import views as attachment_views
from tickets.cases.api import views as case_views
from tickets.ownership.api import views as ownership_views
from tickets.recourse.api import views as recourse_views
from tickets.repairs.api import views as repair_views

router = SimpleRouter()
router.register("tickets", case_views.TicketViewSet, basename="ticket")
router.register("handovers", case_views.HandoverViewSet, basename="handover")
urlpatterns = router.urls

# Each section below adds its routes with `urlpatterns += [...]`.
# Section: repairs, visits, offers, from api/views/repairs.py.
from django.urls import path as _repairs_path  # noqa: E402

urlpatterns += [
    _repairs_path(
        "tickets/<str:pk>/repairs/",
        repair_views.TicketRepairsView.as_view(),
        name="ticket-repairs",
    ),
    _repairs_path(
        "repairs/<int:pk>/finish/",
        repair_views.RepairFinishView.as_view(),
        name="repair-finish",
    ),
    _repairs_path(
        "tickets/<str:pk>/visits/",
        repair_views.TicketVisitsView.as_view(),
        name="ticket-visits",
    ),
    _repairs_path(
        "visits/<int:pk>/complete/",
        repair_views.VisitCompleteView.as_view(),
        name="visit-complete",
    ),
    _repairs_path(
        "tickets/<str:pk>/offers/",
        repair_views.TicketOffersView.as_view(),
        name="ticket-offers",
    ),
    _repairs_path(
        "offers/<int:pk>/approve/",
        repair_views.OfferApproveView.as_view(),
        name="offer-approve",
    ),
    _repairs_path(
        "offers/<int:pk>/reject/",
        repair_views.OfferRejectView.as_view(),
        name="offer-reject",
    ),
]
# End of the repairs section.
# Section: compensations, recourse claims, party ledger, from api/views/recourse.py.
from django.urls import path as _recourse_path  # noqa: E402

_recourse_router = SimpleRouter()
_recourse_router.register(
    "recourse-claims", recourse_views.RecourseClaimViewSet, basename="recourse-claim"
)
urlpatterns += [
    _recourse_path(
        "tickets/<str:pk>/compensations/",
        recourse_views.TicketCompensationsView.as_view(),
        name="ticket-compensations",
    ),
    _recourse_path(
        "compensations/<int:pk>/approve/",
        recourse_views.CompensationApproveView.as_view(),
        name="compensation-approve",
    ),
    _recourse_path(
        "parties/<int:pk>/ledger/",
        recourse_views.PartyLedgerView.as_view(),
        name="party-ledger",
    ),
    *_recourse_router.urls,
]
# End of the recourse section.
# Section: attachments, from api/views/attachments.py.
_attachments = SimpleRouter()
_attachments.register(
    r"tickets/(?P<ticket_id>[^/]+)/attachments",
    attachment_views.TicketAttachmentViewSet,
    basename="ticket-attachment",
)
_attachments.register(
    "attachments", attachment_views.AttachmentViewSet, basename="attachment"
)
urlpatterns += [*_attachments.urls]
# End of the attachments section.
# Section: ownership transfers, from api/views/ownership.py.
_ownership = SimpleRouter()
_ownership.register(
    r"tickets/(?P<ticket_id>[^/]+)/ownership-transfers",
    ownership_views.TicketTransferViewSet,
    basename="ticket-ownership-transfer",
)
_ownership.register(
    "ownership-transfers",
    ownership_views.TransferViewSet,
    basename="ownership-transfer",
)
urlpatterns += [*_ownership.urls]
# End of the ownership section.
