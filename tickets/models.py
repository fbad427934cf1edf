"""Tickets (domain §6): cases with first responsibility, their append-only event log, and
handovers. Status, owners and due times are written only by tickets/services.py."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit
from feedback.models import Customer, OwnedProduct
from standards.models import StandardVersion
from standards.parameters import CaseType, Channel, Priority

from .workflow import OPEN_STATES, TicketStatus

# The clocks of a case and the stamp that stops each one.
CLOCK_DONE_FIELDS = {
    "acknowledge": "acknowledged_at",
    "first_contact": "first_contact_at",
    "onsite": "onsite_at",
    "resolve": "resolved_at",
}


class Liability(models.TextChoices):
    """Who is liable for the fault (decides recourse)."""

    NONE = "none", _("None")
    PRODUCER_DEFECT = "producer_defect", _("Producer defect")
    SELLER_STORAGE = "seller_storage", _("Seller storage")
    CARRIER = "carrier", _("Carrier")
    INSTALLER = "installer", _("Installer")
    REPAIRER = "repairer", _("Repairer")
    CUSTOMER_MISUSE = "customer_misuse", _("Customer misuse")
    UNDETERMINED = "undetermined", _("Undetermined")


class TicketQuerySet(models.QuerySet):
    """Vocabulary for ticket queries."""

    def open(self) -> TicketQuerySet:
        """Cases that still need work."""
        return self.filter(status__in=OPEN_STATES)

    def visible_to(self, user) -> TicketQuerySet:
        """Who sees which case (domain §3): managers, quality managers and administrators
        all; supervisors their units' subtrees; other staff the cases of their units, those
        they own or handle, and those handed over to them or their units; a customer their
        own cases; anyone else nothing."""
        if not user.is_authenticated:
            return self.none()
        if user.has_role("manager", "quality_manager", "admin"):
            return self
        if user.is_staff_member:
            condition = (
                Q(first_owner=user)
                | Q(handler=user)
                | Q(unit__members=user)
                | Q(handovers__to_user=user)
                | Q(handovers__to_unit__members=user)
                # The follow-up loop's tasks (a string lookup: tickets never import it).
                | Q(follow_ups__assigned_to=user)
                | Q(follow_ups__unit__members=user)
            )
            supervised = [
                m.unit.path
                for m in user.memberships.select_related("unit")
                if m.is_supervisor
            ]
            for path in supervised:
                condition |= Q(unit__path__startswith=path)
            return self.filter(condition).distinct()
        return self.filter(customer__user=user)


class Ticket(models.Model):
    """A case: complaint, repair, installation, return, exchange, consultation, suggestion.

    The user who first receives it is its first owner for good (首问负责), unless a formal
    transfer is accepted; work moves by handover to a handler and unit. Due times are
    computed once from the pinned service-standard version and stored.
    """

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=20, choices=CaseType.choices)
    source = models.CharField(_("source"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    product = models.ForeignKey(
        OwnedProduct,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    fault_code = models.CharField(_("fault code"), max_length=50, blank=True)
    priority = models.CharField(
        _("priority"), max_length=2, choices=Priority.choices, default=Priority.P3
    )
    safety_incident = models.BooleanField(
        _("safety incident"),
        default=False,
        help_text=_(
            "Personal injury or property damage: raises the priority, alerts a manager."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TicketStatus.choices,
        default=TicketStatus.NEW,
        editable=False,
        db_index=True,
    )
    first_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first owner"),
        on_delete=models.PROTECT,
        related_name="first_owned_tickets",
        editable=False,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_tickets",
        editable=False,
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="tickets",
        editable=False,
    )
    standard_version = models.ForeignKey(
        StandardVersion,
        verbose_name=_("service standard version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        editable=False,
    )
    has_sla = models.BooleanField(_("has SLA clocks"), default=True, editable=False)
    acknowledge_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    first_contact_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    onsite_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    resolve_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    # The 80 % points of each clock (warnings), stored so the sweep is one indexed query.
    acknowledge_warn_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    first_contact_warn_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    onsite_warn_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    resolve_warn_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    onsite_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, editable=False
    )
    entitlement = models.JSONField(
        _("entitlement"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "Snapshot of the entitlement engine's answer: options, reasons, basis."
        ),
    )
    cause_code = models.CharField(
        _("cause code"), max_length=50, blank=True, editable=False
    )
    liability = models.CharField(
        _("liability"),
        max_length=20,
        choices=Liability.choices,
        blank=True,
        editable=False,
    )
    resolution = models.TextField(_("resolution"), blank=True, editable=False)
    customer_informed_at = models.DateTimeField(null=True, blank=True, editable=False)
    follow_up_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    linked_to = models.ForeignKey(
        "self",
        verbose_name=_("linked case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_cases",
        help_text=_(
            "The case this one arose from (e.g. a complaint about its service)."
        ),
    )
    reopen_count = models.PositiveIntegerField(default=0, editable=False)
    bounce_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["status", "priority"], name="ticket_status_priority_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:ticket-detail", args=[self.number])

    @property
    def next_due(self) -> tuple[datetime, str] | None:
        """The earliest clock of an open case not met yet: (due time, clock)."""
        if self.status not in OPEN_STATES:
            return None
        pending = [
            (getattr(self, f"{clock}_due_at"), clock)
            for clock, done in CLOCK_DONE_FIELDS.items()
            if getattr(self, f"{clock}_due_at") and getattr(self, done) is None
        ]
        return min(pending) if pending else None


class TicketEvent(models.Model):
    """One entry of a case's append-only timeline: every state change, handover, comment,
    escalation, SLA breach and follow-up outcome (style.md B.4). Written only by services,
    in the same transaction as the change."""

    class Type(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS_CHANGED = "status_changed", _("Status changed")
        CUSTOMER_INFORMED = "customer_informed", _("Customer informed")
        COMMENT = "comment", _("Comment")
        HANDOVER_REQUESTED = "handover_requested", _("Handover requested")
        HANDOVER_ACCEPTED = "handover_accepted", _("Handover accepted")
        HANDOVER_REJECTED = "handover_rejected", _("Handover rejected")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        FOLLOW_UP = "follow_up", _("Follow-up outcome")
        REPAIR = "repair", _("Repair recorded")
        VISIT = "visit", _("Field visit recorded")
        OFFER = "offer", _("Offer made")
        OFFER_DECIDED = "offer_decided", _("Offer decided")
        ENTITLEMENT_CHANGED = "entitlement_changed", _("Entitlement changed")
        LEGAL_DEADLINE = "legal_deadline", _("Legal deadline")
        COMPENSATION = "compensation", _("Compensation recorded")
        RECOURSE = "recourse", _("Recourse claim")
        ATTACHMENT = "attachment", _("Attachment added")
        ASSIGNED = "assigned", _("Assigned from the unit queue")
        OWNERSHIP_TRANSFER = "ownership_transfer", _("Ownership transfer")
        ORPHANED = "orphaned", _("First owner inactive")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(db_index=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=False, help_text=_("Shown to the customer."))
    # Events that must happen once (an SLA breach, an escalation step) carry a unique key;
    # NULL for the others, so the unique index ignores them.
    key = models.CharField(
        max_length=120, null=True, blank=True, unique=True, editable=False
    )  # noqa: DJ001

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.type} {self.at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """Work moving to another person or unit: requested → accepted | rejected | expired.
    Carries a commitment ("diagnose in 48 h") whose clock starts on acceptance."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("handover", "Requested")
        ACCEPTED = "accepted", pgettext_lazy("handover", "Accepted")
        REJECTED = "rejected", pgettext_lazy("handover", "Rejected")
        EXPIRED = "expired", pgettext_lazy("handover", "Expired")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="handovers"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handovers_sent",
    )
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="handovers_in"
    )
    reason = models.TextField(_("reason"))
    commitment = models.CharField(_("commitment"), max_length=200, blank=True)
    commitment_hours = models.DecimalField(
        _("commitment (hours)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    requested_at = models.DateTimeField(editable=False)
    accept_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    commitment_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True
    )
    rejection_reason = models.TextField(blank=True, editable=False)
    to_coordinator = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One pending handover per case at a time.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="requested"),
                name="handover_one_pending_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.to_unit_id}/{self.to_user_id} ({self.status})"


# --- Repairs and field visits (domain §6) -------------------------------------------------


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

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("claim", "Draft")
        READY = "ready", pgettext_lazy("claim", "Ready")
        SUBMITTED = "submitted", pgettext_lazy("claim", "Submitted")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("claim", "Acknowledged")
        NEGOTIATING = "negotiating", pgettext_lazy("claim", "Negotiating")
        SETTLED_FULL = "settled_full", pgettext_lazy("claim", "Settled in full")
        SETTLED_PARTIAL = "settled_partial", pgettext_lazy("claim", "Settled in part")
        REJECTED = "rejected", pgettext_lazy("claim", "Rejected")
        ESCALATED = "escalated", pgettext_lazy("claim", "Escalated")
        CLOSED = "closed", pgettext_lazy("claim", "Closed")
        WRITTEN_OFF = "written_off", pgettext_lazy("claim", "Written off")

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="recourse_claims"
    )
    party = models.ForeignKey(
        "feedback.Party",
        verbose_name=_("liable party"),
        on_delete=models.PROTECT,
        related_name="recourse_claims",
    )
    claimant = models.ForeignKey(
        "feedback.Party",
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
        "feedback.Party",
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


class Attachment(models.Model):
    """A file on a case (photos, invoices, evidence). Stored outside the public media
    tree and served only through a permission-checked view."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="tickets/%Y/%m/", max_length=300)
    original_name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, editable=False)
    public = models.BooleanField(_("visible to the customer"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- Ownership and unit queues ---------------------------------------------------------------


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
