"""Staff pages of the tickets app, mounted at /tickets/."""

from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("new/", views.ticket_create, name="ticket-create"),
    path("handovers/<int:pk>/decide/", views.handover_decide, name="handover-decide"),
    # Section: repairs, visits, offers, from views/repairs.py.
    path("repairs/<int:pk>/finish/", views.repair_finish_view, name="repair-finish"),
    path("visits/<int:pk>/complete/", views.visit_complete_view, name="visit-complete"),
    path("offers/<int:pk>/decide/", views.offer_decide_view, name="offer-decide"),
    path("<str:number>/repairs/", views.repair_record_view, name="repair-record"),
    path("<str:number>/visits/", views.visit_schedule_view, name="visit-schedule"),
    path("<str:number>/offers/", views.offer_make_view, name="offer-make"),
    # End of the repairs section.
    # Section: compensations, recourse claims, from views/recourse.py.
    path("recourse/", views.recourse_claim_list, name="recourse-claim-list"),
    path(
        "recourse/<str:number>/",
        views.recourse_claim_detail,
        name="recourse-claim-detail",
    ),
    path(
        "recourse/<str:number>/action/",
        views.recourse_claim_action,
        name="recourse-claim-action",
    ),
    path(
        "recourse/<str:number>/edit/",
        views.recourse_claim_edit,
        name="recourse-claim-edit",
    ),
    path("parties/<int:pk>/ledger/", views.party_ledger_page, name="party-ledger"),
    path(
        "compensations/<int:pk>/approve/",
        views.compensation_approve_view,
        name="compensation-approve",
    ),
    path(
        "<str:number>/compensations/",
        views.compensation_record_view,
        name="compensation-create",
    ),
    path(
        "<str:number>/recourse-claims/",
        views.recourse_claim_create,
        name="recourse-claim-create",
    ),
    # End of the recourse section.
    # Section: attachments, from views/attachments.py.
    path(
        "<str:number>/attachments/",
        views.attachment_upload_view,
        name="attachment-upload",
    ),
    path(
        "<str:number>/attachments/<int:pk>/",
        views.attachment_download_view,
        name="attachment-download",
    ),
    # End of the attachments section.
    # Section: ownership transfers, unit queues, from views/ownership.py.
    path("queues/", views.queue_list_view, name="queue-list"),
    path("queues/<int:unit_id>/", views.queue_edit_view, name="queue-edit"),
    path(
        "ownership-transfers/<int:pk>/decide/",
        views.transfer_decide_view,
        name="transfer-decide",
    ),
    path(
        "<str:number>/ownership-transfer/",
        views.transfer_request_view,
        name="transfer-request",
    ),
    # End of the ownership section.
    path("<str:number>/", views.ticket_detail, name="ticket-detail"),
    path("<str:number>/action/", views.ticket_action, name="ticket-action"),
    path("<str:number>/handover/", views.ticket_handover, name="ticket-handover"),
    path("<str:number>/inform/", views.ticket_inform, name="ticket-inform"),
    path("<str:number>/resolve/", views.ticket_resolve, name="ticket-resolve"),
    path("<str:number>/comment/", views.ticket_comment, name="ticket-comment"),
]
