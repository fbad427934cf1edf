"""Aftersales project package: settings, URLs, the Celery app and the cross-cutting app."""

from aftersales.celery import app as celery_app

__all__ = ("celery_app",)
