from django.urls import path, re_path

from dashboards import assessment_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/", views.scorecards, name="dashboard-people"),
    path("assessment/", assessment_views.assessment_home, name="dashboard-assessment"),
    path(
        "assessment/<int:pk>/",
        assessment_views.assessment_detail,
        name="dashboard-assessment-detail",
    ),
    path(
        "assessment/actions/<int:pk>/",
        assessment_views.corrective_action_update,
        name="dashboard-corrective-action",
    ),
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
