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
]
