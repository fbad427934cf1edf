"""API routes: care (assembled under /api/v1/)."""

from aftersales.api.routers import Router
from feedback.care.api import views

router = Router()
router.register(
    "care-programmes", views.CareProgrammeViewSet, basename="care-programme"
)
router.register("care-touches", views.CareTouchViewSet, basename="care-touch")

urlpatterns = router.urls
