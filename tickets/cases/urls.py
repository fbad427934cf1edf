"""Pages of the cases concern (the queue, logging a case, the case page and its lifecycle
actions, handovers); included by tickets/urls.py. `urlpatterns` come before the other
concerns' pages, `case_patterns` (which match any case number) after them."""

from django.urls import path

from tickets.cases import views

urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("new/", views.ticket_create, name="ticket-create"),
    path("handovers/<int:pk>/decide/", views.handover_decide, name="handover-decide"),
]

case_patterns = [
    path("<str:number>/", views.ticket_detail, name="ticket-detail"),
    path("<str:number>/action/", views.ticket_action, name="ticket-action"),
    path("<str:number>/handover/", views.ticket_handover, name="ticket-handover"),
    path("<str:number>/inform/", views.ticket_inform, name="ticket-inform"),
    path("<str:number>/resolve/", views.ticket_resolve, name="ticket-resolve"),
    path("<str:number>/comment/", views.ticket_comment, name="ticket-comment"),
    # The case page's action forms, loaded on demand: each beside the endpoint it posts to.
    *(
        path(
            f"<str:number>/{form}/form/",
            views.ticket_form_view,
            {"form": form},
            name=f"ticket-{form}-form",
        )
        for form in views.CASE_FORMS
    ),
]
