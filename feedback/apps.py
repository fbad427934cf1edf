"""App config of feedback."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Customer archive, follow-ups, feedback items, quality notices, care programmes."""

    name = "feedback"
    verbose_name = _("Customers and feedback")
    default_auto_field = "django.db.models.BigAutoField"
