"""The roles of domain §3 and the permissions each one is granted.

Roles are Django groups named by the role key; `roles_sync()` (aftersales.services) creates
the groups and grants the permissions listed here. Permissions of apps that do not exist yet
are skipped, so each later app only adds its lines here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A role a person holds. Group names equal these values."""

    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Service agent")
    TECHNICIAN = "technician", _("Technician")
    FOLLOWUP_AGENT = "followup_agent", _("Follow-up agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role.values) - {Role.CUSTOMER}
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

_STAFF_BASE = [
    "aftersales.view_unit",
    "aftersales.view_user",
    "standards.view_standarddocument",
    "standards.view_standardversion",
    "standards.view_legalruleset",
    "standards.add_changerequest",
    "standards.add_acknowledgement",
    "customers.view_customer",
    "customers.add_customer",
    "customers.change_customer",
    "customers.view_ownedproduct",
    "customers.add_ownedproduct",
    "customers.add_contact",
    "customers.view_contact",
    "customers.view_party",
    "customers.view_productmodel",
    "customers.add_importjob",
]
_STANDARD_EDITING = [
    "standards.add_standarddocument",
    "standards.add_standardversion",
    "standards.change_standardversion",
    "standards.change_changerequest",
    "standards.add_calendaroverride",
    "standards.change_calendaroverride",
    "standards.delete_calendaroverride",
    "standards.change_businesscalendar",
]

# "app_label.codename" per role.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.AGENT: _STAFF_BASE,
    Role.TECHNICIAN: _STAFF_BASE,
    Role.FOLLOWUP_AGENT: _STAFF_BASE,
    Role.SUPERVISOR: [*_STAFF_BASE, "aftersales.view_membership"],
    Role.QUALITY_MANAGER: [*_STAFF_BASE, *_STANDARD_EDITING, "aftersales.view_jobrun"],
    Role.MANAGER: [
        *_STAFF_BASE,
        *_STANDARD_EDITING,
        "aftersales.view_membership",
        "aftersales.view_jobrun",
        "aftersales.view_outboxmessage",
        "customers.view_archiveaccess",
        "customers.delete_customer",
    ],
    Role.ADMIN: [],  # administrators are superusers
}
