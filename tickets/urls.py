"""Staff pages of the tickets app, mounted at /tickets/."""

from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("<str:number>/", views.ticket_detail, name="ticket-detail"),
    path("<str:number>/action/", views.ticket_action, name="ticket-action"),
]
