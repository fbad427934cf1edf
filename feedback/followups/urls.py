"""Routes of the follow-up pages, mounted at /followups/ (the answer link /followups/a/…
is public)."""

from django.urls import path

from feedback.followups import views

app_name = "followups"
urlpatterns = [
    path("", views.followup_list, name="followup-list"),
    path("<int:pk>/", views.followup_detail, name="followup-detail"),
    path("<int:pk>/attempts/", views.followup_attempt, name="followup-attempt"),
    path("<int:pk>/answer/", views.followup_answer_form, name="followup-answer-form"),
    path("<int:pk>/complete/", views.followup_complete, name="followup-complete"),
    path("<int:pk>/send-link/", views.followup_send_link, name="followup-send-link"),
    path("<int:pk>/close-case/", views.followup_close_case, name="followup-close-case"),
    path("a/<str:token>/", views.followup_answer, name="followup-answer"),
    path("questionnaires/", views.questionnaire_list, name="questionnaire-list"),
    path(
        "questionnaires/<int:pk>/",
        views.questionnaire_detail,
        name="questionnaire-detail",
    ),
    path(
        "questionnaires/<int:pk>/new-version/",
        views.questionnaire_new_version,
        name="questionnaire-new-version",
    ),
    path(
        "questionnaires/<int:pk>/activate/",
        views.questionnaire_activate,
        name="questionnaire-activate",
    ),
]
