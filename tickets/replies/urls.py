"""Pages of canned replies; included by tickets/urls.py."""

from django.urls import path

from tickets.replies import views

urlpatterns = [
    path("replies/", views.reply_list_view, name="reply-list"),
    path("replies/new/", views.reply_edit_view, name="reply-create"),
    path("replies/<int:pk>/", views.reply_edit_view, name="reply-edit"),
]
