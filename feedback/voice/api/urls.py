"""API routes: voice (assembled under /api/v1/)."""

urlpatterns: list = []
