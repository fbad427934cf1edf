"""Cases (domain §6): tickets with first responsibility, their append-only event log
and handovers. Status, owners and due times are written only by the tickets services."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit
from aftersales.permissions import unit_scope, visible_subset
from customers.models import Customer, OwnedProduct
from standards.models import StandardVersion
from standards.parameters import CaseType, Channel, Priority
from tickets.workflow import OPEN_STATES, TicketStatus

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
        own cases; anyone else nothing (the rule of `aftersales.permissions`)."""
        return visible_subset(
            self,
            user,
            staff=lambda tickets: tickets._seen_by_staff(user),
            own=lambda tickets: tickets.filter(customer__user=user),
        )

    def _seen_by_staff(self, user) -> TicketQuerySet:
        """The cases of the staff member's units, their supervised subtrees, and those
        they own, handle, were handed or follow up. Every part is a column test or a
        semi-join, so a case is never repeated and a count needs no DISTINCT.

        The handed-over and followed-up cases are read first (one query each, at most
        `SEMI_JOIN_LIST_MAX` ids): a short list becomes `id IN (…)`, which the planner
        combines with the other indexed tests, so a person who sees few cases among a
        million reads only those. A long list means the person sees many cases (a
        workshop, the follow-up team): then each part is a per-row EXISTS probe, so a
        page stops after its rows instead of hashing every handover first."""
        scope = unit_scope(user)
        handed = Handover.objects.filter(
            Q(to_user=user) | Q(to_unit_id__in=scope.member_ids)
        )
        # The follow-up loop's tasks, reached through the relation (tickets never import it).
        followups = self.model.follow_ups.rel.related_model._base_manager.filter(
            Q(assigned_to=user) | Q(unit_id__in=scope.member_ids)
        )
        condition = (
            Q(first_owner=user)
            | Q(handler=user)
            | Q(unit_id__in=scope.seen_ids)
            | _semi_join(handed)
            | _semi_join(followups)
        )
        return self.filter(condition)


# Up to this many handed-over (or followed-up) cases are listed by id; more are probed.
SEMI_JOIN_LIST_MAX = 1000


class ProbedExists(Exists):
    """EXISTS that the planner keeps as a per-row probe (OFFSET 0 stops PostgreSQL from
    turning it into a hash of the whole subquery, which costs more than a page)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def _semi_join(rows) -> Q:
    """`rows` (with a `ticket_id`) as a condition on the case: its ids when they are few,
    else a per-row probe."""
    ids = list(
        rows.order_by().values_list("ticket_id", flat=True)[: SEMI_JOIN_LIST_MAX + 1]
    )
    if len(ids) <= SEMI_JOIN_LIST_MAX:
        return Q(pk__in=ids)
    return Q(ProbedExists(rows.filter(ticket=OuterRef("pk"))))


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
    # Every SLA step of the clock (warning, breach, managers) is recorded for the case's
    # current round: the sweep, which looks each minute at the open clocks past their
    # warning point, looks no more at this one until a reopening starts a new round.
    acknowledge_steps_done = models.BooleanField(
        default=False, db_default=False, editable=False
    )
    first_contact_steps_done = models.BooleanField(
        default=False, db_default=False, editable=False
    )
    onsite_steps_done = models.BooleanField(
        default=False, db_default=False, editable=False
    )
    resolve_steps_done = models.BooleanField(
        default=False, db_default=False, editable=False
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    onsite_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Business hours (the unit's calendar) from opening to the acknowledgement and to the
    # latest resolution, stored when the clock stops: the KPIs' response and resolution
    # times and their percentiles are read from here, in SQL.
    first_response_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, editable=False
    )
    resolution_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, editable=False
    )
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
            ),
            # The queue's sorts: newest first (the default), oldest first, by priority.
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            # The KPIs of cases resolved in a period (dashboards), with the columns they
            # count and filter by (PostgreSQL answers from the index).
            models.Index(
                fields=["resolved_at"],
                include=[
                    "id",
                    "reopen_count",
                    "resolution_hours",
                    "type",
                    "unit",
                    "first_owner",
                    "product",
                    "source",
                ],
                name="ticket_resolved_idx",
            ),  # fmt: skip
            models.Index(
                fields=["priority", "-created_at", "-id"], name="ticket_priority_idx"
            ),
            # "Due today", "overdue" and the sweep look only at open cases' clocks not yet
            # met: a few thousand rows among a million, so each clock has a partial index
            # on them (a change of OPEN_STATES needs a migration of these).
            *(
                models.Index(
                    fields=[f"{clock}_due_at"],
                    condition=Q(**{f"{done}__isnull": True})
                    & Q(status__in=sorted(OPEN_STATES)),
                    name=f"ticket_{clock}_open_idx",
                )
                for clock, done in CLOCK_DONE_FIELDS.items()
            ),
            # The SLA sweep asks each minute which open clocks passed their warn point
            # and have a step not recorded yet. Clocks whose steps are all recorded are
            # not in the index (at 1 M, 93 % of the resolve clocks past their warning),
            # and it holds every column the question reads (PostgreSQL; other databases
            # ignore INCLUDE), so the rest are answered without their heap pages.
            *(
                models.Index(
                    fields=[f"{clock}_warn_at"],
                    condition=Q(**{f"{done}__isnull": True})
                    & Q(status__in=sorted(OPEN_STATES))
                    & Q(**{f"{clock}_steps_done": False}),
                    include=[
                        "id",
                        "status",
                        "has_sla",
                        "created_at",
                        "reopen_count",
                        f"{clock}_due_at",
                    ],  # fmt: skip
                    name=f"ticket_{clock}_warn_idx",
                )
                for clock, done in CLOCK_DONE_FIELDS.items()
            ),
            # The repeat-repair KPI asks, for each repair case, for an earlier repair of
            # the same product and fault within 30/90 days: one index probe each.
            models.Index(
                fields=["product", "fault_code", "created_at"],
                condition=Q(type="repair"),
                name="ticket_repeat_idx",
            ),
            # The backlog and its ageing (dashboards): the open cases by age, with the
            # columns the scope filters read (PostgreSQL answers from the index).
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=sorted(OPEN_STATES)),
                include=["id", "unit", "first_owner", "product", "type", "source"],
                name="ticket_open_age_idx",
            ),
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
        indexes = [
            # The 三包 exceptions of a period (dashboards): a few among millions.
            models.Index(
                fields=["at"],
                condition=Q(type="legal_deadline"),
                name="ticketevent_legal_idx",
            )
        ]

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
