"""API routes: care (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from feedback.care.api import views

router = SimpleRouter()
router.register(
    "care-programmes", views.CareProgrammeViewSet, basename="care-programme"
)
router.register("care-touches", views.CareTouchViewSet, basename="care-touch")

urlpatterns = router.urls
