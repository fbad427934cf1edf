"""Pages of canned replies and of customer messages; included by tickets/urls.py."""

from django.urls import path

from tickets.replies import views

urlpatterns = [
    path("replies/", views.reply_list_view, name="reply-list"),
    path("replies/new/", views.reply_edit_view, name="reply-create"),
    path("replies/<int:pk>/", views.reply_edit_view, name="reply-edit"),
    path("messages/", views.notice_list_view, name="notice-list"),
    path(
        "messages/<slug:event>/<str:language>/",
        views.notice_edit_view,
        name="notice-edit",
    ),
]
