"""API routes: follow-ups and questionnaires (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from feedback.followups.api import views

router = SimpleRouter()
router.register("followups", views.FollowUpViewSet, basename="followup")
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
urlpatterns = router.urls
