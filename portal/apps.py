"""App config of portal."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Customer-facing pages and the inbound mailbox."""

    name = "portal"
    verbose_name = _("Customer portal")
