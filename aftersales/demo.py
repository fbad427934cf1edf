"""Demo organisation and people (loaded by `manage.py demo_data`, never in production)."""

from django.contrib.auth.models import Group
from django.db import transaction

from aftersales import services
from aftersales.models import OutboxMessage, Unit, User
from aftersales.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105  # documented demo credential, refused in production

# code, name, kind, parent code
UNITS = [
    ("acme", "ACME Home Appliances", Unit.Kind.COMPANY, None),
    ("sh", "Shanghai Branch", Unit.Kind.BRANCH, "acme"),
    ("sh-hotline", "Service Hotline", Unit.Kind.HOTLINE, "sh"),
    ("sh-counter", "Sales Counter", Unit.Kind.SALES_COUNTER, "sh"),
    ("sh-workshop", "Repair Workshop", Unit.Kind.REPAIR_WORKSHOP, "sh"),
    ("sh-followup", "Follow-up Team", Unit.Kind.FOLLOWUP_TEAM, "sh"),
    ("qa", "Quality Assurance", Unit.Kind.QA, "acme"),
    ("design", "Product Design", Unit.Kind.DESIGN, "acme"),
    ("production", "Production", Unit.Kind.PRODUCTION, "acme"),
    ("purchasing", "Purchasing", Unit.Kind.PURCHASING, "acme"),
]

# username, first name, last name, e-mail, roles, [(unit code, is supervisor)]
USERS = [
    ("admin", "Ada", "Admin", "admin@example.com", [Role.ADMIN], [("acme", False)]),
    (
        "manager",
        "Wang",
        "Fang",
        "manager@example.com",
        [Role.MANAGER],
        [("acme", False)],
    ),
    (
        "quality",
        "Zhao",
        "Min",
        "quality@example.com",
        [Role.QUALITY_MANAGER],
        [("qa", True)],
    ),
    (
        "supervisor",
        "Chen",
        "Jing",
        "supervisor@example.com",
        [Role.SUPERVISOR],
        [("sh-hotline", True), ("sh-workshop", True)],
    ),
    ("agent", "Li", "Na", "agent@example.com", [Role.AGENT], [("sh-hotline", False)]),
    (
        "agent2",
        "Zhou",
        "Lei",
        "agent2@example.com",
        [Role.AGENT],
        [("sh-hotline", False)],
    ),
    (
        "counter",
        "Sun",
        "Li",
        "counter@example.com",
        [Role.AGENT],
        [("sh-counter", False)],
    ),
    (
        "technician",
        "Liu",
        "Qiang",
        "technician@example.com",
        [Role.TECHNICIAN],
        [("sh-workshop", False)],
    ),
    (
        "visitor",
        "Huang",
        "Mei",
        "visitor@example.com",
        [Role.FOLLOWUP_AGENT],
        [("sh-followup", False)],
    ),
    (
        "customer@example.com",
        "Zhang",
        "Wei",
        "customer@example.com",
        [Role.CUSTOMER],
        [],
    ),
]


@transaction.atomic
def load(stdout=None) -> None:
    """Create (or bring back to shape) the demo units and users. Idempotent."""
    services.roles_sync()
    units: dict[str, Unit] = {}
    for code, name, kind, parent in UNITS:
        units[code] = services.unit_create(
            code=code, name=name, kind=kind, parent=units.get(parent)
        )
    for username, first, last, email, roles, memberships in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": email,
                "language": "en",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = Role.ADMIN in roles  # the Django admin is for administrators
        user.is_superuser = Role.ADMIN in roles
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        for code, is_supervisor in memberships:
            services.membership_set(
                user=user, unit=units[code], is_supervisor=is_supervisor
            )
    if stdout:
        stdout.write(f"  people: {len(UNITS)} units, {len(USERS)} users")


def outbox_send(stdout=None) -> int:
    """Send what the demo's past left unsent in the outbox (a sweep's alerts beyond the
    first few wait for the outbox sweep, minutes after `make run` starts), in one pass, as
    that sweep would. Returns how many were sent."""
    pending = OutboxMessage.objects.filter(
        sent_at__isnull=True, attempts__lt=services.OUTBOX_MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    sent = services.outbox_deliver_many(message_ids=list(pending))
    if stdout and sent:
        stdout.write(f"  outbox: {sent} messages of the demo's past sent")
    return sent
