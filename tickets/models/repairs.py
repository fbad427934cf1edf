"""Repair records, field visits and offers below the entitlement (domain §6, A08/A09)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import OwnedProduct
from tickets.models.cases import Ticket


class Repair(models.Model):
    """One repair of the case's product: days in repair and waiting for parts, and its
    outcome. Failed repairs, repair days and parts waits feed the entitlement engine (two
    failed repairs → exchange or return; 30- and 90-day limits)."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "in_progress", pgettext_lazy("repair", "In progress")
        FIXED = "fixed", pgettext_lazy("repair", "Fixed")
        FAILED = "failed", pgettext_lazy("repair", "Failed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="repairs")
    product = models.ForeignKey(
        OwnedProduct,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs",
        editable=False,
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs",
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    parts_wait_days = models.PositiveIntegerField(
        _("days waiting for parts"), default=0
    )
    fault_code = models.CharField(_("fault code"), max_length=50, blank=True)
    same_problem = models.BooleanField(
        _("same problem as before"),
        default=True,
        help_text=_(
            "The fault is the one repaired before (counts towards the limits)."
        ),
    )
    repairer_fault = models.BooleanField(
        _("delay caused by the repairer"), default=False
    )
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=Outcome.choices,
        default=Outcome.IN_PROGRESS,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="repair_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.started_on} {self.outcome}"


class FieldVisit(models.Model):
    """A technician's visit at the customer: appointment, arrival (stops the on-site clock),
    diagnosis, parts, fees, the conduct checklist of the standard and the customer's
    confirmation."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    appointment_start = models.DateTimeField(_("appointment from"))
    appointment_end = models.DateTimeField(
        _("appointment until"), null=True, blank=True
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    parts = models.TextField(_("parts used"), blank=True)
    fees = models.DecimalField(
        _("fees charged"), max_digits=10, decimal_places=2, default=0
    )
    checklist = models.JSONField(
        _("conduct checklist"),
        default=dict,
        blank=True,
        help_text=_("Each item of the standard's conduct checklist: done or not."),
    )
    customer_confirmed = models.BooleanField(
        _("confirmed by the customer"), default=False
    )
    # The checklist's tally, kept beside it so that conduct compliance is a sum in SQL.
    conduct_items = models.PositiveSmallIntegerField(default=0, editable=False)
    conduct_met = models.PositiveSmallIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        ordering = ["appointment_start", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.appointment_start:%Y-%m-%d %H:%M}"


class Offer(models.Model):
    """What the company offers the customer against the entitlement. Offering less than
    the entitlement needs a supervisor's approval with a reason (domain §6)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("offer", "Within entitlement")
        PENDING = "pending", pgettext_lazy("offer", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("offer", "Approved")
        REJECTED = "rejected", pgettext_lazy("offer", "Rejected")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="offers")
    option = models.CharField(_("option offered"), max_length=30)
    reason = models.TextField(_("reason"), blank=True)
    below_entitlement = models.BooleanField(default=False, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, editable=False)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    offered_at = models.DateTimeField(editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-offered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.option} ({self.status})"


# --- Compensation and recourse (domain §6) ------------------------------------------------
