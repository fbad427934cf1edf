"""Staff pages of the tickets app, mounted at /tickets/."""

from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("new/", views.ticket_create, name="ticket-create"),
    path("handovers/<int:pk>/decide/", views.handover_decide, name="handover-decide"),
    # Section: repairs, visits, offers, from views/repairs.py.
    # End of the repairs section.
    # Section: compensations, recourse claims, from views/recourse.py.
    # End of the recourse section.
    # Section: attachments, from views/attachments.py.
    # End of the attachments section.
    # Section: ownership transfers, unit queues, from views/ownership.py.
    # End of the ownership section.
    path("<str:number>/", views.ticket_detail, name="ticket-detail"),
    path("<str:number>/action/", views.ticket_action, name="ticket-action"),
    path("<str:number>/handover/", views.ticket_handover, name="ticket-handover"),
    path("<str:number>/inform/", views.ticket_inform, name="ticket-inform"),
    path("<str:number>/resolve/", views.ticket_resolve, name="ticket-resolve"),
    path("<str:number>/comment/", views.ticket_comment, name="ticket-comment"),
]
