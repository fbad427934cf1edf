from django.urls import path, re_path

from dashboards import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/", views.scorecards, name="dashboard-people"),
    re_path(
        r"^people/export\.(?P<file_format>csv|xlsx)$",
        views.scorecards_export,
        name="dashboard-people-export",
    ),
    re_path(
        r"^export/(?P<table>[a-z0-9-]+)\.(?P<file_format>csv|xlsx)$",
        views.dashboard_export,
        name="dashboard-export",
    ),
]
