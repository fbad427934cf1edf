"""Compensation paid to the customer first (先行赔付) and recourse claims (追偿) against
the liable party (domain §6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models.cases import Liability, Ticket
from tickets.workflow import ClaimStatus


class CompensationKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")
    FREE_REPAIR = "free_repair", _("Free repair")
    PERSONAL_DAMAGE = "personal_damage", _("Personal damage")
    PROPERTY_DAMAGE = "property_damage", _("Property damage")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class RecourseClaim(models.Model):
    """A claim (追偿) against the liable party for what the company paid first.

    `draft → ready → submitted → acknowledged → negotiating → settled_full |
    settled_partial | rejected → escalated → closed`, or `written_off` with approval. The
    claimant is the company unless `claimant` names another party (a producer claiming
    against a seller)."""

    Status = ClaimStatus  # the lifecycle's table is in tickets/workflow.py

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="recourse_claims"
    )
    party = models.ForeignKey(
        "customers.Party",
        verbose_name=_("liable party"),
        on_delete=models.PROTECT,
        related_name="recourse_claims",
    )
    claimant = models.ForeignKey(
        "customers.Party",
        verbose_name=_("claimant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recourse_claims_made",
        help_text=_("Empty when the company itself claims."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=300,
        blank=True,
        help_text=_("Law article or contract clause the claim rests on."),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    recovered_amount = models.DecimalField(
        _("recovered amount"), max_digits=12, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
        db_index=True,
    )
    evidence = models.ManyToManyField(
        "tickets.Attachment",
        verbose_name=_("evidence"),
        blank=True,
        related_name="recourse_claims",
    )
    evidence_notes = models.TextField(_("evidence notes"), blank=True)
    limitation_date = models.DateField(
        _("limitation date"),
        db_index=True,
        help_text=_("Last day to claim (3-year limitation from the payment)."),
    )
    response_due_on = models.DateField(
        _("response due"), null=True, blank=True, db_index=True
    )
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    limitation_warned_on = models.DateField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="recourse_claims",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("Who approved a write-off."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recourse claim")
        verbose_name_plural = _("recourse claims")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(recovered_amount__gte=0),
                name="recourse_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.party_id} {self.amount}"


class Compensation(models.Model):
    """What the company paid the customer first (先行赔付): refund, exchange, free repair,
    personal or property damages, transport. With liability on a third party it is
    covered by a recourse claim against that party."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="compensations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CompensationKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    liability = models.CharField(
        _("liability"), max_length=20, choices=Liability.choices
    )
    party = models.ForeignKey(
        "customers.Party",
        verbose_name=_("liable party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensations",
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    recourse_claim = models.ForeignKey(
        RecourseClaim,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compensations",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="compensation_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.amount}"


# --- Attachments ---------------------------------------------------------------------------
