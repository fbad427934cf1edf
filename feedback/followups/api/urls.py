"""API routes: follow-ups and questionnaires (assembled under /api/v1/)."""

from aftersales.api.routers import Router
from feedback.followups.api import views

router = Router()
router.register("followups", views.FollowUpViewSet, basename="followup")
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
urlpatterns = router.urls
