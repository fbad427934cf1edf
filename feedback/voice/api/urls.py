"""API routes: voice (assembled under /api/v1/)."""

from aftersales.api.routers import Router
from feedback.voice.api import views

router = Router()
router.register("feedback-items", views.FeedbackItemViewSet, basename="feedback-item")
router.register(
    "quality-notices", views.QualityNoticeViewSet, basename="quality-notice"
)
router.register(
    "improvement-actions", views.ImprovementActionViewSet, basename="improvement-action"
)
urlpatterns = [*router.urls]
