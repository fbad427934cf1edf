"""Pages of the tickets attachments concern (files on a case); included by tickets/urls.py."""

from django.urls import path

from tickets.attachments import views

urlpatterns = [
    path(
        "<str:number>/attachments/",
        views.attachment_upload_view,
        name="attachment-upload",
    ),
    path(
        "<str:number>/attachments/<int:pk>/",
        views.attachment_download_view,
        name="attachment-download",
    ),
    path(
        "<str:number>/attachments/form/",
        views.attachment_upload_form_view,
        name="attachment-upload-form",
    ),
]
