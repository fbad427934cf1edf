"""App config of customers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """The customer archive: customers, products owned, validity, contacts, privacy."""

    name = "customers"
    verbose_name = _("Customer archive")
    default_auto_field = "django.db.models.BigAutoField"
