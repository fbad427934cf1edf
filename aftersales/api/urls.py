"""Assembly of every app's API under /api/v1/."""

from django.urls import include, path

from aftersales.api.routers import RootRouter
from aftersales.api.views import (
    MeView,
    MyTokensView,
    TokenView,
    UnitViewSet,
    UserViewSet,
)

router = RootRouter()
router.register("users", UserViewSet, basename="user")
router.register("units", UnitViewSet, basename="unit")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", MyTokensView.as_view(), name="auth-tokens"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
    path("", include("standards.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("feedback.followups.api.urls")),
    path("", include("feedback.voice.api.urls")),
    path("", include("feedback.care.api.urls")),
    path("", include("dashboards.api.urls")),
]
