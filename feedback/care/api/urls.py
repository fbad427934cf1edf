"""API routes: care (assembled under /api/v1/)."""

urlpatterns: list = []
