"""Template context for the UI shell: role-based navigation and the unread count."""

from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales import permissions, selectors
from aftersales.roles import Role

# (url name, label, icon, roles that see it). Entries whose URL does not exist yet are skipped.
NAVIGATION = [
    ("home", _("Home"), "house", None),
    ("tickets:ticket-list", _("Cases"), "inboxes", permissions.STAFF),
    ("customers:customer-list", _("Customers"), "person-vcard", permissions.STAFF),
    (
        "followups:followup-list",
        _("Follow-ups"),
        "telephone-outbound",
        permissions.STAFF,
    ),
    (
        "tickets:recourse-claim-list",
        _("Recourse"),
        "cash-coin",
        permissions.CLAIM_WORKERS,
    ),
    (
        "feedback:feedback-item-list",
        _("Feedback"),
        "chat-square-text",
        permissions.STAFF,
    ),
    (
        "feedback:quality-notice-list",
        _("Quality notices"),
        "clipboard-data",
        permissions.STAFF,
    ),
    (
        "feedback:qa-recall-list",
        _("QA re-calls"),
        "patch-check",
        permissions.QUALITY_REVIEWERS,
    ),
    (
        "care:programme-list",
        _("Care programmes"),
        "megaphone",
        permissions.CARE_MANAGERS,
    ),
    ("standards:standard-list", _("Standards"), "journal-check", permissions.STAFF),
    (
        "tickets:notice-list",
        _("Customer messages"),
        "envelope-paper",
        permissions.QUESTIONNAIRE_EDITORS,
    ),
    (
        "dashboard",
        _("Dashboard"),
        "speedometer2",
        permissions.OVERSEERS,
    ),
    ("dashboard-people", _("Scorecards"), "person-badge", permissions.STAFF),
    ("portal:home", _("My service"), "person-heart", {Role.CUSTOMER}),
    ("notification-list", _("Notifications"), "bell", None),
]


@lru_cache(maxsize=64)
def _nav_urls(language: str | None, script_prefix: str) -> tuple:
    """(url, label, icon, roles) of the entries whose URL exists, in the given language
    (the URLs carry its prefix). Reversed once per language and script prefix, not twice
    an entry on every page (a page's navigation cost about as much as a bare view)."""
    entries = []
    for name, label, icon, allowed in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        entries.append((url, label, icon, frozenset(allowed) if allowed else None))
    return tuple(entries), reverse("home")


def navigation(request) -> dict:
    """Navigation entries the user's roles allow, and their unread notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = set(user.role_names)
    entries, home = _nav_urls(get_language(), get_script_prefix())
    items = []
    for url, label, icon, allowed in entries:
        if allowed is not None and not roles & allowed:
            continue
        active = request.path == url or (url != home and request.path.startswith(url))
        items.append({"url": url, "label": label, "icon": icon, "active": active})
    # Only the most specific entry is active (/tickets/recourse/ is not "Cases").
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return {
        "nav_items": items,
        "unread_notifications": selectors.notification_unread_count(user=user),
        "show_admin_link": user.is_staff,
    }
