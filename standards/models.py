"""The enterprise standard system (domain §4): standard documents of five kinds and their
versions, legal rule sets, the business calendar of each unit, change requests and staff
acknowledgements."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.models import Unit
from standards.workflow import VersionStatus


class StandardDocument(models.Model):
    """A standard of the company (e.g. `Q/ACME 001-2026`), of one of five kinds."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product standard")
        PROCESS = "process", _("Process standard")
        MANAGEMENT = "management", _("Management standard")
        WORK = "work", _("Work standard")
        SERVICE = "service", _("After-sales service standard")

    code = models.CharField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, db_index=True
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="standards",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_standards",
        help_text=_("Reminded before each review date."),
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("related standards"), blank=True, symmetrical=True
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("standards:standard-detail", args=[self.pk])


class StandardVersionQuerySet(models.QuerySet):
    """Vocabulary for version queries."""

    def effective(self) -> StandardVersionQuerySet:
        """Versions in force now."""
        return self.filter(status=VersionStatus.EFFECTIVE)

    def in_force_on(self, day: date) -> StandardVersionQuerySet:
        """Versions that were (or are) in force on `day`: effective or later superseded,
        with effective_from <= day < effective_until."""
        return self.filter(
            status__in=[VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED],
            effective_from__lte=day,
        ).filter(Q(effective_until__isnull=True) | Q(effective_until__gt=day))

    def review_due_by(self, day: date) -> StandardVersionQuerySet:
        """Effective versions whose review date is on or before `day`."""
        return self.effective().filter(next_review_due__lte=day)


class StandardVersion(models.Model):
    """One version of a standard. Lifecycle (standards/workflow.py):
    draft → in_review → approved → effective → superseded | withdrawn. An effective version is
    never edited; a change is a new version. Service-kind versions carry `parameters` (SLA
    matrix, entitlement, follow-up policy, KPI targets, conduct checklist) and a scope."""

    document = models.ForeignKey(
        StandardDocument,
        verbose_name=_("standard"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(
        _("effective until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when a later version supersedes this one."),
    )
    next_review_due = models.DateField(_("next review due"))
    change_summary = models.TextField(_("change summary"), blank=True)
    body = models.TextField(
        _("clauses"),
        blank=True,
        help_text=_("The text of the standard, one clause a line."),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # Scope of a service standard (copied from parameters.scope, indexed for the resolver);
    # blank/null means "any".
    scope_category = models.CharField(_("product category"), max_length=50, blank=True)
    scope_channel = models.CharField(_("channel"), max_length=30, blank=True)
    scope_unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="authored_standard_versions",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(
        _("submitted"), null=True, blank=True, editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_standard_versions",
        editable=False,
    )
    approved_at = models.DateTimeField(
        _("approved"), null=True, blank=True, editable=False
    )
    activated_at = models.DateTimeField(
        _("activated"), null=True, blank=True, editable=False
    )
    withdrawn_at = models.DateTimeField(
        _("withdrawn"), null=True, blank=True, editable=False
    )
    status_note = models.TextField(_("note on the last status change"), blank=True)
    review_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_overdue_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False
    )

    objects = StandardVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["document", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="standardversion_unique_number"
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="effective"),
                name="standardversion_one_effective",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "effective_from"], name="stdversion_activation_idx"
            ),
            models.Index(
                fields=["status", "next_review_due"], name="stdversion_review_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.code} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("standards:version-detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        """The version's own title, else the document's."""
        return self.title or self.document.title

    @property
    def is_service(self) -> bool:
        """Whether this version carries service-standard parameters."""
        return self.document.kind == StandardDocument.Kind.SERVICE


class LegalRuleSet(models.Model):
    """A versioned set of legal values (e.g. household 三包 1995) with citations. Seeded by a
    migration and read-only to users; service standards may be stricter, never looser."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    parameters = models.JSONField(_("legal values"), default=dict)
    citations = models.JSONField(
        _("citations"), default=dict, help_text=_("Article cited for each legal value.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("legal rule set")
        verbose_name_plural = _("legal rule sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="legalruleset_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("standards:legal-detail", args=[self.pk])


class BusinessCalendar(models.Model):
    """Working hours of a unit (the company default when `unit` is empty). Units without a
    calendar use their nearest ancestor's."""

    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="business_calendar",
    )
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    day_start = models.TimeField(_("working day starts"), default="09:00")
    day_end = models.TimeField(_("working day ends"), default="18:00")
    workdays = models.JSONField(
        _("working weekdays"),
        default=list,
        help_text=_("Weekday numbers, Monday = 0 … Sunday = 6."),
    )
    follows_statutory_holidays = models.BooleanField(
        _("follows statutory holidays"),
        default=True,
        help_text=_(
            "Chinese public holidays are days off and make-up days (调休) are working."
        ),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            # One company default (unit empty): NULLs are distinct in a plain unique index.
            models.UniqueConstraint(
                Coalesce("unit", Value(0)), name="businesscalendar_one_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(day_start__lt=models.F("day_end")),
                name="businesscalendar_day_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """A company or unit day that differs from the statutory calendar (company day off,
    extra working day), or a holiday of a year the holiday package does not know yet."""

    day = models.DateField(_("date"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_overrides",
        help_text=_("Empty: the whole company."),
    )
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("company day")
        verbose_name_plural = _("company days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                "day", Coalesce("unit", Value(0)), name="calendaroverride_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class ChangeRequest(models.Model):
    """A proposed change to a standard, with rationale and evidence (feedback items, KPI
    breaches, corrective actions). Its decision is recorded; an accepted request is
    implemented by a new version."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        IMPLEMENTED = "implemented", _("Implemented")

    document = models.ForeignKey(
        StandardDocument,
        verbose_name=_("standard"),
        on_delete=models.CASCADE,
        related_name="change_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    proposed_change = models.TextField(_("proposed change"))
    rationale = models.TextField(_("rationale"))
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        editable=False,
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="raised_change_requests",
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    decision_note = models.TextField(_("decision"), blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_change_requests",
        editable=False,
    )
    decided_at = models.DateTimeField(
        _("decided"), null=True, blank=True, editable=False
    )
    implemented_by = models.ForeignKey(
        StandardVersion,
        verbose_name=_("implemented by version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="implements",
        editable=False,
    )

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:change-request-detail", args=[self.pk])


class Acknowledgement(models.Model):
    """A staff member's confirmation of having read an effective version."""

    version = models.ForeignKey(
        StandardVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user"], name="acknowledgement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ✓ {self.version}"
