"""Template context for the UI shell: role-based navigation and the unread count."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from . import selectors
from .roles import Role

STAFF = {r for r in Role.values if r != Role.CUSTOMER}

# (url name, label, icon, roles that see it). Entries whose URL does not exist yet are skipped.
NAVIGATION = [
    ("home", _("Home"), "house", None),
    ("tickets:ticket-list", _("Cases"), "inboxes", STAFF),
    ("feedback:customer-list", _("Customers"), "person-vcard", STAFF),
    ("feedback:followup-list", _("Follow-ups"), "telephone-outbound", STAFF),
    ("standards:standard-list", _("Standards"), "journal-check", STAFF),
    (
        "dashboard",
        _("Dashboard"),
        "speedometer2",
        {Role.MANAGER, Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.ADMIN},
    ),
    ("portal:home", _("My service"), "person-heart", {Role.CUSTOMER}),
    ("notification-list", _("Notifications"), "bell", None),
]


def navigation(request) -> dict:
    """Navigation entries the user's roles allow, and their unread notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = set(user.role_names)
    items = []
    for name, label, icon, allowed in NAVIGATION:
        if allowed is not None and not roles & set(allowed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url or (
            url != reverse("home") and request.path.startswith(url)
        )
        items.append({"url": url, "label": label, "icon": icon, "active": active})
    return {
        "nav_items": items,
        "unread_notifications": selectors.notification_unread_count(user=user),
        "show_admin_link": user.is_staff,
    }
