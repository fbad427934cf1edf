"""Models of the loop layer: QA re-calls and findings, feedback items, quality notices and
improvement actions (domain §7 "voice of the customer").

The loop layer sits above tickets (style.md B.1): these models may point at tickets and
standards rows; nothing below imports them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit
from aftersales.permissions import visible_subset
from customers.models import Customer, ProductModel
from standards.parameters import KPI_BY_KEY

__all__ = [
    "FeedbackItem",
    "FeedbackItemQuerySet",
    "ImprovementAction",
    "QaFinding",
    "QaRecall",
    "QualityNotice",
    "QualityNoticeRecipient",
]


# --- QA re-calls (domain §7: QA re-calls a sample of completed follow-ups) ---------------


class QaRecall(models.Model):
    """A QA re-call of one completed follow-up, drawn by the daily sample (at most one per
    follow-up). QA asks the customer again; a different answer becomes a `QaFinding`."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("qa recall", "To call")
        RECORDED = "recorded", pgettext_lazy("qa recall", "Recorded")

    followup = models.OneToOneField(
        "feedback.FollowUp",
        verbose_name=_("follow-up"),
        on_delete=models.CASCADE,
        related_name="qa_recall",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("QA unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_recalls",
    )
    sampled_on = models.DateField(
        _("sample of"), db_index=True, help_text=_("Day the follow-up was completed.")
    )
    sample_rate = models.DecimalField(
        _("sample rate"), max_digits=5, decimal_places=4, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        editable=False,
        db_index=True,
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    resolved = models.BooleanField(_("problem solved"), null=True, blank=True)
    satisfied = models.BooleanField(
        _("satisfied"), null=True, blank=True, editable=False
    )
    note = models.TextField(_("note"), blank=True)
    is_mismatch = models.BooleanField(_("mismatch"), default=False, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField(
        _("recorded"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("QA re-call")
        verbose_name_plural = _("QA re-calls")
        ordering = ["-sampled_on", "-pk"]

    def __str__(self) -> str:
        return f"QA {self.followup_id} {self.sampled_on}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:qa-recall-detail", args=[self.pk])


class QaFinding(models.Model):
    """A mismatch between a follow-up's recorded answer and QA's re-call: the satisfied /
    dissatisfied result differs, the score differs by two or more, or "problem solved"
    differs. Held against the follow-up and the agent who completed it."""

    recall = models.OneToOneField(
        QaRecall,
        verbose_name=_("QA re-call"),
        on_delete=models.CASCADE,
        related_name="finding",
    )
    followup = models.ForeignKey(
        "feedback.FollowUp",
        verbose_name=_("follow-up"),
        on_delete=models.CASCADE,
        related_name="qa_findings",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qa_findings",
    )
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        help_text=_("result, score, resolved: what differed."),
    )
    detail = models.JSONField(_("answers compared"), default=dict)
    created_at = models.DateTimeField(_("found"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("QA finding")
        verbose_name_plural = _("QA findings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"QA finding {self.followup_id}: {', '.join(self.reasons)}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:qa-recall-detail", args=[self.recall_id])


# --- Feedback items ---------------------------------------------------------------------


class FeedbackItemQuerySet(models.QuerySet):
    """Vocabulary for feedback item queries."""

    def open(self) -> FeedbackItemQuerySet:
        """Items still waiting for their answer (new or triaged)."""
        return self.filter(status__in=FeedbackItem.OPEN_STATES)

    def overdue(self, today) -> FeedbackItemQuerySet:
        """Open items whose reply due date has passed."""
        return self.open().filter(reply_due_on__lt=today)

    def visible_to(self, user) -> FeedbackItemQuerySet:
        """Managers, quality managers and administrators see all; other staff the items
        without a customer and those of customers whose archive they may see; anyone else
        nothing (customers get their answer through the reply, not this list). The rule
        of `aftersales.permissions`."""
        return visible_subset(
            self,
            user,
            staff=lambda items: items.filter(
                Q(customer__isnull=True)
                | Q(customer__in=Customer.objects.visible_to(user).values("pk"))
            ),
        )


class FeedbackItem(models.Model):
    """A suggestion or comment from a survey, a contact, a complaint, a dealer or staff
    (domain §7): `new → triaged → answered | actioned | no_action (reason)`, answered by the
    reply due date. A change request on a standard may cite it; its decision answers it."""

    class Source(models.TextChoices):
        SURVEY = "survey", _("Survey")
        CONTACT = "contact", _("Contact")
        COMPLAINT = "complaint", _("Complaint")
        DEALER = "dealer", _("Dealer")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("feedback item", "New")
        TRIAGED = "triaged", pgettext_lazy("feedback item", "Triaged")
        ANSWERED = "answered", pgettext_lazy("feedback item", "Answered")
        ACTIONED = "actioned", pgettext_lazy("feedback item", "Actioned")
        NO_ACTION = "no_action", pgettext_lazy("feedback item", "No action")

    OPEN_STATES = ("new", "triaged")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    product_model = models.ForeignKey(
        ProductModel,
        verbose_name=_("product model"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    followup = models.OneToOneField(
        "feedback.FollowUp",
        verbose_name=_("follow-up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_item",
        editable=False,
        help_text=_("The survey answer this comment came from."),
    )
    text = models.TextField(_("feedback"))
    topic_codes = models.JSONField(_("topic codes"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.NEW,
        editable=False,
        db_index=True,
    )
    reply = models.TextField(
        _("reply"),
        blank=True,
        editable=False,
        help_text=_("The answer given; for “no action”, the reason."),
    )
    reply_due_on = models.DateField(_("reply due"), db_index=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_items",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    triaged_at = models.DateTimeField(
        _("triaged"), null=True, blank=True, editable=False
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    answered_at = models.DateTimeField(
        _("answered"), null=True, blank=True, editable=False
    )
    answered_by_change_request = models.ForeignKey(
        "standards.ChangeRequest",
        verbose_name=_("answered by change request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    change_requests = models.ManyToManyField(
        "standards.ChangeRequest",
        verbose_name=_("cited by change requests"),
        blank=True,
        related_name="feedback_items",
    )

    objects = FeedbackItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "reply_due_on"], name="feedbackitem_due_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:feedback-item-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Still waiting for its answer."""
        return self.status in self.OPEN_STATES


# --- Quality notices (质量信息反馈单) -----------------------------------------------------


class QualityNotice(models.Model):
    """The monthly quality notice of one product model (domain §7): the cases opened that
    month, the top fault codes with counts, the compensation paid on those cases and a few
    example case numbers, sent to the design, production and purchasing units."""

    product_model = models.ForeignKey(
        ProductModel,
        verbose_name=_("product model"),
        on_delete=models.PROTECT,
        related_name="quality_notices",
    )
    period_start = models.DateField(
        _("month"), db_index=True, help_text=_("First day of the month reported.")
    )
    total_cases = models.PositiveIntegerField(_("cases"), default=0)
    top_faults = models.JSONField(
        _("top fault codes"),
        default=list,
        help_text=_("[{code, count}], most frequent first."),
    )
    compensation_cost = models.DecimalField(
        _("compensation cost"), max_digits=14, decimal_places=2, default=0
    )
    example_numbers = models.JSONField(_("example cases"), default=list)
    owned_products = models.PositiveIntegerField(
        _("products in the field"),
        default=0,
        help_text=_("Owned products of the model sold by the end of the month."),
    )
    generated_at = models.DateTimeField(_("issued"), db_index=True)

    class Meta:
        verbose_name = _("quality notice")
        verbose_name_plural = _("quality notices")
        ordering = ["-period_start", "product_model__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_model", "period_start"],
                name="qualitynotice_one_per_model_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} {self.product_model.code}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:quality-notice-detail", args=[self.pk])


class QualityNoticeRecipient(models.Model):
    """One addressed unit of a quality notice; a member of that unit acknowledges it."""

    notice = models.ForeignKey(
        QualityNotice, on_delete=models.CASCADE, related_name="recipients"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="quality_notices",
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged"), null=True, blank=True, editable=False
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("quality notice recipient")
        verbose_name_plural = _("quality notice recipients")
        ordering = ["notice", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "unit"], name="qualitynoticerecipient_unique_unit"
            )
        ]
        indexes = [
            models.Index(
                fields=["acknowledged_at", "reminded_at"],
                name="qnrecipient_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.unit}"


class ImprovementAction(models.Model):
    """A unit's answer to a quality notice: what it will change, by when (domain §7).
    `open → done → verified`; verification re-measures the fault rate in the month after
    the action was done, and only a lower rate than the baseline verifies it (otherwise the
    action is open again, with the new measurement).

    Fault rate = cases of the model (with the action's fault code; all faults when blank)
    opened in a calendar month, per 100 owned products of the model sold by the end of
    that month.

    A KPI breach opens one too (dashboards.services.kpi_breach_sweep): no notice, the KPI,
    unit and period it answers (once each), the measured value and the standard's limit;
    it is verified when a later month's value is back within the limit, or closed by a
    quality manager with a note."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("improvement action", "Open")
        DONE = "done", pgettext_lazy("improvement action", "Done")
        VERIFIED = "verified", pgettext_lazy("improvement action", "Verified")
        CLOSED = "closed", pgettext_lazy("improvement action", "Closed with a note")

    notice = models.ForeignKey(
        QualityNotice,
        verbose_name=_("quality notice"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    kpi_key = models.CharField(_("KPI"), max_length=60, blank=True, editable=False)
    period_start = models.DateField(
        _("period from"), null=True, blank=True, editable=False
    )
    period_end = models.DateField(_("period to"), null=True, blank=True, editable=False)
    kpi_value = models.FloatField(
        _("measured value"), null=True, blank=True, editable=False
    )
    kpi_ceiling = models.FloatField(_("limit"), null=True, blank=True, editable=False)
    close_note = models.TextField(_("closing note"), blank=True, editable=False)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
    )
    fault_code = models.CharField(
        _("fault code"),
        max_length=50,
        blank=True,
        help_text=_("The fault the action targets; empty: all faults of the model."),
    )
    description = models.TextField(_("action"))
    due_on = models.DateField(_("due"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        editable=False,
        db_index=True,
    )
    baseline_rate = models.DecimalField(
        _("baseline fault rate (per 100)"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
    )
    remeasured_rate = models.DecimalField(
        _("re-measured fault rate (per 100)"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
    )
    remeasured_period = models.DateField(
        _("re-measured month"), null=True, blank=True, editable=False
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(
        _("verified"), null=True, blank=True, editable=False
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        constraints = [
            # A KPI breach opens one action per KPI, unit and period (idempotent sweep).
            models.UniqueConstraint(
                fields=["kpi_key", "unit", "period_start"],
                condition=~Q(kpi_key=""),
                name="improvement_action_one_per_kpi_unit_period",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kpi_key", "status"],
                condition=~Q(kpi_key=""),
                name="improvement_kpi_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.unit}: {self.description[:40]}"

    def get_absolute_url(self) -> str:
        if self.notice_id:
            return reverse("feedback:quality-notice-detail", args=[self.notice_id])
        return reverse("feedback:improvement-action-detail", args=[self.pk])

    @property
    def subject(self) -> str:
        """What the action answers: its quality notice, or the KPI and period."""
        if self.notice_id:
            return str(self.notice)
        definition = KPI_BY_KEY.get(self.kpi_key)
        label = definition.label if definition else self.kpi_key
        return f"{label} {self.period_start:%Y-%m}" if self.period_start else str(label)
