"""Pages of the tickets repairs concern (repair records, field visits, offers); included by
tickets/urls.py."""

from django.urls import path

from tickets.repairs import views

urlpatterns = [
    path(
        "repairs/<int:pk>/finish/",
        views.repair_finish_view,
        name="repair-finish",
    ),
    path(
        "visits/<int:pk>/complete/",
        views.visit_complete_view,
        name="visit-complete",
    ),
    path("offers/<int:pk>/decide/", views.offer_decide_view, name="offer-decide"),
    path("<str:number>/repairs/", views.repair_record_view, name="repair-record"),
    path("<str:number>/visits/", views.visit_schedule_view, name="visit-schedule"),
    path("<str:number>/offers/", views.offer_make_view, name="offer-make"),
    # The panel's forms, loaded on demand: each beside the endpoint it posts to.
    path(
        "repairs/<int:pk>/finish/form/",
        views.repair_finish_form_view,
        name="repair-finish-form",
    ),
    path(
        "visits/<int:pk>/complete/form/",
        views.visit_complete_form_view,
        name="visit-complete-form",
    ),
    path(
        "<str:number>/repairs/form/",
        views.repair_record_form_view,
        name="repair-record-form",
    ),
    path(
        "<str:number>/visits/form/",
        views.visit_schedule_form_view,
        name="visit-schedule-form",
    ),
    path(
        "<str:number>/offers/form/",
        views.offer_make_form_view,
        name="offer-make-form",
    ),
]
