"""App config of tickets."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """Tickets, handovers, SLA clocks, entitlement, compensation and recourse."""

    name = "tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.selectors import (
            TIMELINE_PROVIDERS,
            register_timeline_provider,
        )
        from tickets.timeline import customer_cases

        if customer_cases not in TIMELINE_PROVIDERS:
            register_timeline_provider(customer_cases)
        from tickets.attachments.services import attachment_register_export

        attachment_register_export()
