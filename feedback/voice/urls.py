"""Routes of the loop pages: voice (mounted at /feedback/)."""

from django.urls import path

from feedback.voice import views

app_name = "feedback"
urlpatterns = [
    path("items/", views.feedback_item_list, name="feedback-item-list"),
    path("items/new/", views.feedback_item_create, name="feedback-item-create"),
    path("items/<int:pk>/", views.feedback_item_detail, name="feedback-item-detail"),
    path(
        "items/<int:pk>/triage/",
        views.feedback_item_action,
        {"action": "triage"},
        name="feedback-item-triage",
    ),
    path(
        "items/<int:pk>/answer/",
        views.feedback_item_action,
        {"action": "answer"},
        name="feedback-item-answer",
    ),
    path(
        "items/<int:pk>/actioned/",
        views.feedback_item_action,
        {"action": "actioned"},
        name="feedback-item-actioned",
    ),
    path(
        "items/<int:pk>/no-action/",
        views.feedback_item_action,
        {"action": "no-action"},
        name="feedback-item-no-action",
    ),
    path("items/<int:pk>/cite/", views.feedback_item_cite, name="feedback-item-cite"),
    path("quality-notices/", views.quality_notice_list, name="quality-notice-list"),
    path(
        "quality-notices/<int:pk>/",
        views.quality_notice_detail,
        name="quality-notice-detail",
    ),
    path(
        "quality-notices/<int:pk>/units/<int:recipient_pk>/acknowledge/",
        views.quality_notice_acknowledge,
        name="quality-notice-acknowledge",
    ),
    path(
        "quality-notices/<int:pk>/actions/",
        views.improvement_action_create,
        name="improvement-action-create",
    ),
    path(
        "improvement-actions/",
        views.improvement_action_list,
        name="improvement-action-list",
    ),
    path(
        "improvement-actions/<int:pk>/",
        views.improvement_action_detail,
        name="improvement-action-detail",
    ),
    path(
        "improvement-actions/<int:pk>/done/",
        views.improvement_action_step,
        {"step": "done"},
        name="improvement-action-done",
    ),
    path(
        "improvement-actions/<int:pk>/verify/",
        views.improvement_action_step,
        {"step": "verify"},
        name="improvement-action-verify",
    ),
    path("qa/", views.qa_recall_list, name="qa-recall-list"),
    path("qa/<int:pk>/", views.qa_recall_detail, name="qa-recall-detail"),
    path("qa/findings/", views.qa_finding_list, name="qa-finding-list"),
]
