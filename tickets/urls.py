"""Staff pages of the tickets app, mounted at /tickets/."""

from django.urls import path

from tickets.attachments import views as attachment_views
from tickets.cases import views as case_views
from tickets.ownership import views as ownership_views
from tickets.recourse import views as recourse_views
from tickets.repairs import views as repair_views

app_name = "tickets"
urlpatterns = [
    path("", case_views.ticket_list, name="ticket-list"),
    path("new/", case_views.ticket_create, name="ticket-create"),
    path(
        "handovers/<int:pk>/decide/", case_views.handover_decide, name="handover-decide"
    ),
    # Section: repairs, visits, offers, from views/repairs.py.
    path(
        "repairs/<int:pk>/finish/",
        repair_views.repair_finish_view,
        name="repair-finish",
    ),
    path(
        "visits/<int:pk>/complete/",
        repair_views.visit_complete_view,
        name="visit-complete",
    ),
    path(
        "offers/<int:pk>/decide/", repair_views.offer_decide_view, name="offer-decide"
    ),
    path(
        "<str:number>/repairs/", repair_views.repair_record_view, name="repair-record"
    ),
    path(
        "<str:number>/visits/", repair_views.visit_schedule_view, name="visit-schedule"
    ),
    path("<str:number>/offers/", repair_views.offer_make_view, name="offer-make"),
    # End of the repairs section.
    # Section: compensations, recourse claims, from views/recourse.py.
    path("recourse/", recourse_views.recourse_claim_list, name="recourse-claim-list"),
    path(
        "recourse/<str:number>/",
        recourse_views.recourse_claim_detail,
        name="recourse-claim-detail",
    ),
    path(
        "recourse/<str:number>/action/",
        recourse_views.recourse_claim_action,
        name="recourse-claim-action",
    ),
    path(
        "recourse/<str:number>/edit/",
        recourse_views.recourse_claim_edit,
        name="recourse-claim-edit",
    ),
    path(
        "parties/<int:pk>/ledger/",
        recourse_views.party_ledger_page,
        name="party-ledger",
    ),
    path(
        "compensations/<int:pk>/approve/",
        recourse_views.compensation_approve_view,
        name="compensation-approve",
    ),
    path(
        "<str:number>/compensations/",
        recourse_views.compensation_record_view,
        name="compensation-create",
    ),
    path(
        "<str:number>/recourse-claims/",
        recourse_views.recourse_claim_create,
        name="recourse-claim-create",
    ),
    # End of the recourse section.
    # Section: attachments, from views/attachments.py.
    path(
        "<str:number>/attachments/",
        attachment_views.attachment_upload_view,
        name="attachment-upload",
    ),
    path(
        "<str:number>/attachments/<int:pk>/",
        attachment_views.attachment_download_view,
        name="attachment-download",
    ),
    # End of the attachments section.
    # Section: ownership transfers, unit queues, from views/ownership.py.
    path("queues/", ownership_views.queue_list_view, name="queue-list"),
    path("queues/<int:unit_id>/", ownership_views.queue_edit_view, name="queue-edit"),
    path(
        "ownership-transfers/<int:pk>/decide/",
        ownership_views.transfer_decide_view,
        name="transfer-decide",
    ),
    path(
        "<str:number>/ownership-transfer/",
        ownership_views.transfer_request_view,
        name="transfer-request",
    ),
    # End of the ownership section.
    path("<str:number>/", case_views.ticket_detail, name="ticket-detail"),
    path("<str:number>/action/", case_views.ticket_action, name="ticket-action"),
    path("<str:number>/handover/", case_views.ticket_handover, name="ticket-handover"),
    path("<str:number>/inform/", case_views.ticket_inform, name="ticket-inform"),
    path("<str:number>/resolve/", case_views.ticket_resolve, name="ticket-resolve"),
    path("<str:number>/comment/", case_views.ticket_comment, name="ticket-comment"),
]
