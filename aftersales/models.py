"""Cross-cutting models: organisation units, users and memberships, notifications, the
outbox of outgoing messages, and job-run records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.roles import STAFF_ROLES, Role


class UnitQuerySet(models.QuerySet):
    """Vocabulary for unit queries."""

    def active(self) -> UnitQuerySet:
        """Units in service."""
        return self.filter(is_active=True)

    def subtree_of(self, units) -> UnitQuerySet:
        """The given units and every unit below them (materialised-path prefix match)."""
        condition = Q(pk__in=[])
        for unit in units:
            condition |= Q(path__startswith=unit.path)
        return self.filter(condition)


class Unit(models.Model):
    """An organisation unit: company, branch, or a department/team inside it (domain §3).

    Units form a tree stored as a materialised path ("/1/4/9/"), so a subtree is one indexed
    prefix query on both SQLite and PostgreSQL.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        BRANCH = "branch", _("Branch")
        SALES_COUNTER = "sales_counter", _("Sales counter")
        HOTLINE = "hotline", _("Hotline")
        REPAIR_WORKSHOP = "repair_workshop", _("Repair workshop")
        FOLLOWUP_TEAM = "followup_team", _("Follow-up team")
        QA = "qa", _("Quality assurance")
        DESIGN = "design", _("Design")
        PRODUCTION = "production", _("Production")
        PURCHASING = "purchasing", _("Purchasing")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Store the unit's own materialised path (it needs the primary key, so a new unit
        is written twice). Moving a unit under another parent is not supported here."""
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            Unit.objects.filter(pk=self.pk).update(path=path)

    @property
    def lineage_ids(self) -> list[int]:
        """The ids of this unit and every unit above it, root first (from the path)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def depth(self) -> int:
        """How far below the root this unit is (root = 0)."""
        return self.path.count("/") - 2 if self.path else 0


class User(AbstractUser):
    """A person who signs in: staff (roles via groups, units via memberships) or a portal
    customer (role `customer`, no unit)."""

    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("Language of notifications and e-mails sent to this person."),
    )
    notification_email = models.JSONField(
        _("e-mail copies of notifications"),
        default=dict,
        blank=True,
        help_text=_("Per kind of notification: whether an e-mail copy is sent too "
                    "(kinds not named follow the default of their kind)."),
    )  # fmt: skip
    units = models.ManyToManyField(
        Unit,
        through="Membership",
        related_name="members",
        verbose_name=_("units"),
        blank=True,
    )

    objects = UserManager()

    def set_password(self, raw_password):
        """Django's, and the user's API tokens are revoked when the user is saved (a
        changed password ends every other way in: other sessions end by themselves)."""
        super().set_password(raw_password)
        self._password_changed = True

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """Full name, else the username."""
        return self.get_full_name() or self.username

    @property
    def role_names(self) -> list[str]:
        """The role keys of this user (group names that are roles), sorted."""
        if not hasattr(self, "_role_names"):
            valid = set(Role.values)
            names = {g.name for g in self.groups.all() if g.name in valid}
            if self.is_superuser:
                names.add(Role.ADMIN)
            self._role_names = sorted(names)
        return self._role_names

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the given roles."""
        return bool(set(roles) & set(self.role_names))

    @property
    def is_staff_member(self) -> bool:
        """Staff of the service organisation (any role but customer)."""
        return bool(set(self.role_names) & STAFF_ROLES)


class Membership(models.Model):
    """A user's place in a unit; `is_supervisor` makes the user the unit's supervisor."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    is_supervisor = models.BooleanField(_("supervisor of the unit"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], name="membership_unique_user_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class Notification(models.Model):
    """An in-app notification for one person (the bell). `key` makes each one at most once."""

    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "read_at"], name="notification_unread_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(models.Model):
    """An outgoing e-mail or SMS. The row is the truth: a task delivers it after commit, the
    outbox sweep re-drives it if the message was lost, and `sent_at` is stamped once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    secret = models.BooleanField(
        _("secret"),
        default=False,
        help_text=_("The body (e.g. a one-time code) is erased once it is sent."),
    )
    not_before = models.DateTimeField(
        _("not before"),
        null=True,
        blank=True,
        help_text=_("Held until then (the customer's quiet hours)."),
    )
    thread = models.CharField(
        _("thread"),
        max_length=50,
        blank=True,
        help_text=_("The case number: the e-mails of one case form one thread."),
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}: {self.subject or self.body[:40]}"


# The scheduled jobs' names in words (the job runs' list on the home page, the admin).
JOB_LABELS = {
    "outbox_sweep": _("Outbox: resend what was not sent"),
    "sla_sweep": _("SLA clocks: warn, breach, escalate"),
    "handover_sweep": _("Handovers not accepted in time"),
    "orphan_sweep": _("Cases of inactive first owners"),
    "legal_clock_sweep": _("Legal windows and repair limits"),
    "recourse_sweep": _("Recourse claims: draft, remind, limitation"),
    "visit_reminder_sweep": _("Reminders of tomorrow's visits"),
    "mailbox_poll": _("Service mailbox: read e-mails"),
    "archive_import": _("Archive import"),
    "archive_import_sweep": _("Archive imports whose worker stopped"),
    "archive_retention": _("Archive retention: anonymise inactive archives"),
    "calendar_coverage": _("Business calendars: next year present"),
    "care_programmes": _("Care programmes: reminders and calls"),
    "followup_sweep": _("Follow-ups: due, retries, expiry"),
    "kpi_breaches": _("KPI targets missed"),
    "kpi_rollup": _("KPI daily figures"),
    "monthly_report": _("Monthly report"),
    "qa_sampling": _("QA re-call sampling"),
    "quality_notices": _("Quality notices"),
    "standard_activation": _("Standards taking effect"),
    "standard_review_reminders": _("Standard review reminders"),
    "voice_reminders": _("Feedback and improvement reminders"),
}


class JobRun(models.Model):
    """One run of a scheduled job or sweep (domain §9: start, end, items touched, errors)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=100, db_index=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    items = models.PositiveIntegerField(_("items touched"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("admin:aftersales_jobrun_change", args=[self.pk])

    @property
    def label(self) -> str:
        """The job's name in words, in the reader's language (its code when unknown)."""
        return str(JOB_LABELS.get(self.name, self.name))
