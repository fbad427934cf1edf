"""API routes: followups (assembled under /api/v1/)."""

urlpatterns: list = []
