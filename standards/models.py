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
from django.utils.translation import pgettext_lazy

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


# --- GB/T 27922 self-assessment (domain §4) ---------------------------------------------------


class AssessmentFramework(models.Model):
    """An evaluation framework such as GB/T 27922 (evaluation of after-sales service of
    commodities): its indicator tree and its bands (score thresholds, stored, not coded)."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    # [{"min": 70, "band": "compliant"}, …], the highest band whose minimum is reached.
    bands = models.JSONField(_("bands"), default=list)

    class Meta:
        verbose_name = _("assessment framework")
        verbose_name_plural = _("assessment frameworks")

    def __str__(self) -> str:
        return self.code


class AssessmentIndicator(models.Model):
    """An indicator of the framework: first level (e.g. customer service), second level
    (e.g. complaint handling; seeded) or a third-level item the quality manager adds,
    with the points it is worth. `kpis` names the KPIs shown as live evidence beside it."""

    framework = models.ForeignKey(
        AssessmentFramework, on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("under"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), editable=False)
    max_points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    kpis = models.JSONField(_("supporting KPIs"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["framework", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="assessment_indicator_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Assessment(models.Model):
    """A self-assessment of one year against a framework: each third-level item scored
    (or marked not applicable), special deductions (−1 each) and at most one bonus (+1);
    score = points obtained ÷ applicable points × 100 − deductions + bonus, and the band
    it reaches. `draft → completed`; a completed assessment is read-only."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("assessment", "Draft")
        COMPLETED = "completed", pgettext_lazy("assessment", "Completed")

    framework = models.ForeignKey(
        AssessmentFramework, on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveIntegerField(_("year"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )
    special_deductions = models.PositiveSmallIntegerField(
        _("special deductions"), default=0
    )
    deduction_notes = models.TextField(_("reasons for the deductions"), blank=True)
    bonus = models.BooleanField(_("bonus point"), default=False)
    bonus_note = models.TextField(_("reason for the bonus"), blank=True)
    score = models.DecimalField(
        _("score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    band = models.CharField(_("band"), max_length=30, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(
        _("completed"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "year"], name="assessment_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard-assessment-detail", args=[self.pk])


class AssessmentScore(models.Model):
    """One third-level item's score in an assessment, with its evidence."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        AssessmentIndicator, on_delete=models.PROTECT, related_name="scores"
    )
    applicable = models.BooleanField(_("applicable"), default=True)
    points = models.DecimalField(
        _("points obtained"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="assessment_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.indicator.code}: {self.points}"


class CorrectiveAction(models.Model):
    """What will be done about points lost on an item of a completed self-assessment."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("corrective action", "Open")
        DONE = "done", pgettext_lazy("corrective action", "Done")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="corrective_actions"
    )
    indicator = models.ForeignKey(
        AssessmentIndicator, on_delete=models.PROTECT, related_name="+"
    )
    points_lost = models.DecimalField(_("points lost"), max_digits=6, decimal_places=1)
    description = models.TextField(_("action"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        editable=False,
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="corrective_action_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.indicator.code}: −{self.points_lost}"
