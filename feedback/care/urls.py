"""Routes of the loop pages: care (mounted at /care/)."""

from django.urls import path

from feedback.care import views

app_name = "care"
urlpatterns = [
    path("", views.programme_list, name="programme-list"),
    path("new/", views.programme_create, name="programme-create"),
    path("<int:pk>/", views.programme_detail, name="programme-detail"),
    path("<int:pk>/edit/", views.programme_edit, name="programme-edit"),
    path("<int:pk>/preview/", views.programme_preview, name="programme-preview"),
    path("<int:pk>/run/", views.programme_run, name="programme-run"),
    path("<int:pk>/touches/", views.touch_list, name="touch-list"),
]
