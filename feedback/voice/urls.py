"""Routes of the loop pages: voice."""

from django.urls import path  # noqa: F401

app_name = "voice"
urlpatterns: list = []
