"""Models of the loop layer: care programmes: care calls, warranty-expiry and maintenance
reminders, information, safety recalls.

A `CareProgramme` says whom to reach (segments, product models, category, serial range),
when (warranty and maintenance windows, the care-call period) and how (channels, message
templates). Each run (`CareRun`, by the daily sweep or "send now") writes one `CareTouch`
per customer (and product, for product-level programmes) and period: sent, call scheduled,
or skipped with its reason. Unique constraints make a programme reach each (customer,
product, period) once, and log each skip reason once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import OutboxMessage
from customers.models import Customer, OwnedProduct, ProductModel

__all__ = ["CareProgramme", "CareRun", "CareTouch"]


class CareProgramme(models.Model):
    """A proactive-care programme (domain §7 "Care programmes")."""

    class Kind(models.TextChoices):
        CARE_CALL = "care_call", _("Periodic care call")
        WARRANTY_EXPIRY = "warranty_expiry", _("Warranty-expiry reminder")
        MAINTENANCE_DUE = "maintenance_due", _("Maintenance-due reminder")
        INFORMATION = "information", _("New product and service information")
        RECALL = "recall", _("Safety recall")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        CALL = "call", pgettext_lazy("care channel", "Phone call")

    class ValidityBasis(models.TextChoices):
        WHOLE_UNIT = "validity_end", _("Whole unit")
        MAIN_COMPONENTS = "main_validity_end", _("Main components")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Audience.
    segments = models.JSONField(
        _("segments"),
        default=list,
        blank=True,
        help_text=_("Customer segments reached; none: every segment."),
    )
    product_models = models.ManyToManyField(
        ProductModel,
        verbose_name=_("product models"),
        blank=True,
        related_name="care_programmes",
        help_text=_("Owners of these models; none: every model (a recall needs one)."),
    )
    category = models.CharField(
        _("product category"),
        max_length=50,
        blank=True,
        help_text=_("Owners of products of this category (e.g. refrigerator)."),
    )
    serial_from = models.CharField(_("serial from"), max_length=100, blank=True)
    serial_to = models.CharField(_("serial to"), max_length=100, blank=True)
    # Timing.
    days_before = models.PositiveSmallIntegerField(
        _("days before"),
        default=30,
        help_text=_("Warranty and maintenance reminders go out this many days ahead."),
    )
    validity_basis = models.CharField(
        _("validity"),
        max_length=20,
        choices=ValidityBasis.choices,
        default=ValidityBasis.WHOLE_UNIT,
        help_text=_("Which computed validity end a warranty reminder watches."),
    )
    maintenance_interval_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: the product model's maintenance interval."),
    )
    period_months = models.PositiveSmallIntegerField(
        _("care call every (months)"), default=12
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Channels and messages.
    channels = models.JSONField(
        _("channels"),
        default=list,
        help_text=_("In order of preference; the customer's preferred one goes first."),
    )
    language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("For customers without a portal login (whose language is known)."),
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("message (Chinese)"), blank=True)
    frequency_cap_days = models.PositiveSmallIntegerField(
        _("frequency cap (days)"),
        null=True,
        blank=True,
        help_text=_(
            "At most one message per customer in this many days across programmes of "
            "the same kind. Never applies to safety recalls."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_programmes_owned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    last_run_at = models.DateTimeField(
        _("last run"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("care programme")
        verbose_name_plural = _("care programmes")
        ordering = ["-active", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("care:programme-detail", args=[self.pk])

    @property
    def channel_labels(self) -> str:
        """The channels in order, by their labels."""
        labels = dict(self.Channel.choices)
        return ", ".join(str(labels.get(c, c)) for c in self.channels or [])

    @property
    def is_product_level(self) -> bool:
        """Reminders and recalls reach each owned product; calls and information each
        customer."""
        return self.kind in {
            self.Kind.WARRANTY_EXPIRY,
            self.Kind.MAINTENANCE_DUE,
            self.Kind.RECALL,
        }


class CareRun(models.Model):
    """One run of a programme: when, by whom or by the sweep, and its counts."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Send now")
        SWEEP = "sweep", _("Daily job")

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="runs",
    )
    today = models.DateField(_("run date"))
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    audience = models.PositiveIntegerField(_("audience"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    calls = models.PositiveIntegerField(_("calls scheduled"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    skip_counts = models.JSONField(_("skipped by reason"), default=dict)

    class Meta:
        verbose_name = _("care run")
        verbose_name_plural = _("care runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.programme} {self.started_at:%Y-%m-%d %H:%M}"


class CareTouch(models.Model):
    """One customer (and product) reached, scheduled for a call, or skipped by a programme
    in one period. `touch_key` is "<customer>-<product or 0>-<period>"."""

    class Status(models.TextChoices):
        SENT = "sent", pgettext_lazy("care touch", "Sent")
        CALL_SCHEDULED = "call_scheduled", _("Call scheduled")
        SKIPPED = "skipped", pgettext_lazy("care touch", "Skipped")

    class SkipReason(models.TextChoices):
        NO_CONSENT = "no_consent", _("No marketing consent")
        OPTED_OUT = "opted_out", _("Opted out of service contact")
        FREQUENCY_CAP = "frequency_cap", _("Frequency cap reached")
        NO_CONTACT = "no_contact", _("No usable phone or e-mail")
        ANONYMISED = "anonymised", _("Archive anonymised / erased")
        ALREADY_SENT = "already_sent", _("Already reached in this period")

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="touches",
    )
    run = models.ForeignKey(
        CareRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="touches",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="care_touches",
    )
    product = models.ForeignKey(
        OwnedProduct,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="care_touches",
    )
    period_key = models.CharField(_("period"), max_length=20)
    touch_key = models.CharField(max_length=80, editable=False)
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=CareProgramme.Channel.choices,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    skip_reason = models.CharField(
        _("skip reason"), max_length=20, choices=SkipReason.choices, blank=True
    )
    outbox_message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("outbox message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("care contact")
        verbose_name_plural = _("care contacts")
        ordering = ["-at", "-pk"]
        constraints = [
            # A programme reaches each (customer, product, period) once…
            models.UniqueConstraint(
                fields=["programme", "touch_key"],
                condition=~Q(status="skipped"),
                name="caretouch_once_per_period",
            ),
            # …and logs each reason for skipping it once.
            models.UniqueConstraint(
                fields=["programme", "touch_key", "skip_reason"],
                condition=Q(status="skipped"),
                name="caretouch_skip_once_per_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "at"], name="caretouch_customer_idx"),
            models.Index(
                fields=["programme", "status", "skip_reason"],
                name="caretouch_programme_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} → {self.customer_id} ({self.status})"
