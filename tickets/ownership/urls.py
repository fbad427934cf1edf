"""Pages of the tickets ownership concern (ownership transfers and unit queues); included by
tickets/urls.py."""

from django.urls import path

from tickets.ownership import views

urlpatterns = [
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
    path(
        "<str:number>/ownership-transfer/form/",
        views.transfer_request_form_view,
        name="transfer-request-form",
    ),
]
