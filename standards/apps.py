"""App config of standards."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """Standard documents, versions, legal rule sets, business calendar."""

    name = "standards"
    verbose_name = _("Standards")
    default_auto_field = "django.db.models.BigAutoField"
