"""Routes of the loop pages: care."""

from django.urls import path  # noqa: F401

app_name = "care"
urlpatterns: list = []
