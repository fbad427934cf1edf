"""Staff pages of the standards app, mounted at /standards/."""

from django.urls import path

from standards import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="standard-list"),
    path("new/", views.standard_create, name="standard-create"),
    path("<int:pk>/", views.standard_detail, name="standard-detail"),
    path("<int:pk>/versions/new/", views.version_create, name="version-create"),
    path(
        "<int:pk>/change-requests/new/",
        views.change_request_create,
        name="change-request-create",
    ),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("versions/<int:pk>/action/", views.version_action, name="version-action"),
    path(
        "versions/<int:pk>/acknowledge/",
        views.version_acknowledge,
        name="version-acknowledge",
    ),
    path("versions/<int:pk>/diff/", views.version_diff, name="version-diff"),
    path(
        "change-requests/<int:pk>/",
        views.change_request_detail,
        name="change-request-detail",
    ),
    path("legal/", views.legal_list, name="legal-list"),
    path("legal/<int:pk>/", views.legal_detail, name="legal-detail"),
    path("calendar/", views.calendar_view, name="calendar"),
    path(
        "calendar/overrides/",
        views.calendar_override_create,
        name="calendar-override-create",
    ),
    path(
        "calendar/overrides/<int:pk>/delete/",
        views.calendar_override_delete,
        name="calendar-override-delete",
    ),
]
