"""App config of feedback."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Customer archive, follow-ups, feedback items, quality notices, care programmes."""

    name = "feedback"
    verbose_name = _("Customers and feedback")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The loop layer's timeline entries and its listener of tickets' signals.
        from feedback.care import timeline as care_timeline  # noqa: F401
        from feedback.followups import receivers  # noqa: F401
        from feedback.followups import timeline as followup_timeline  # noqa: F401
        from feedback.voice import receivers as voice_receivers  # noqa: F401
        from feedback.voice import timeline as voice_timeline  # noqa: F401
