"""App config of tickets."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """Tickets, handovers, SLA clocks, entitlement, compensation and recourse."""

    name = "tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feedback.archive.selectors import (
            TIMELINE_PROVIDERS,
            register_timeline_provider,
        )

        from .timeline import customer_cases

        if customer_cases not in TIMELINE_PROVIDERS:
            register_timeline_provider(customer_cases)
        from .services.attachments import attachment_register_export

        attachment_register_export()
