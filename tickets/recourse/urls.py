"""Pages of the tickets recourse concern (compensations, recourse claims, party ledgers);
included by tickets/urls.py."""

from django.urls import path

from tickets.recourse import views

urlpatterns = [
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
    path(
        "parties/<int:pk>/ledger/",
        views.party_ledger_page,
        name="party-ledger",
    ),
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
    # The panel's forms, loaded on demand: each beside the endpoint it posts to.
    path(
        "<str:number>/compensations/form/",
        views.compensation_record_form_view,
        name="compensation-create-form",
    ),
    path(
        "<str:number>/recourse-claims/form/",
        views.recourse_claim_create_form_view,
        name="recourse-claim-create-form",
    ),
]
