"""First-owner transfers and unit queues with automatic assignment (domain §6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit
from tickets.models.cases import Ticket


class OwnershipTransfer(models.Model):
    """A formal move of first ownership (leave, departure): requested → accepted |
    rejected | cancelled. Only the new owner's acceptance moves ownership."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("transfer", "Requested")
        ACCEPTED = "accepted", pgettext_lazy("transfer", "Accepted")
        REJECTED = "rejected", pgettext_lazy("transfer", "Rejected")
        CANCELLED = "cancelled", pgettext_lazy("transfer", "Cancelled")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="ownership_transfers"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ownership_transfers_in",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("ownership transfer")
        verbose_name_plural = _("ownership transfers")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="requested"),
                name="transfer_one_pending_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.from_user_id} → {self.to_user_id}"


class UnitQueue(models.Model):
    """How a unit's queue hands out the cases handed over to the unit: by hand (a member
    accepts), round-robin, or to the least-loaded active member."""

    class Mode(models.TextChoices):
        MANUAL = "manual", _("Members accept by hand")
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least-loaded member")

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="queue")
    mode = models.CharField(
        _("assignment"), max_length=20, choices=Mode.choices, default=Mode.MANUAL
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("unit queue")
        verbose_name_plural = _("unit queues")

    def __str__(self) -> str:
        return f"{self.unit} ({self.mode})"
