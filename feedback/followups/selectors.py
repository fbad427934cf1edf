"""Reads of the follow-up loop, always scoped by `FollowUp.objects.visible_to(user)`: the
worklist, one task, the people who worked on a case, questionnaires, the answer link."""

from __future__ import annotations

import re
from datetime import datetime

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from aftersales.models import User
from customers.models import Customer, CustomerPhone, OwnedProduct
from feedback.models import FollowUp, FollowUpAttempt, Questionnaire
from tickets.models import FieldVisit, Handover, Repair, Ticket, TicketEvent
from tickets.workflow import TicketAction

S = FollowUp.Status
# Worklist views (the tabs of /followups/).
VIEWS = ("due", "mine", "team", "upcoming", "attention", "done", "all")
CASE_NUMBER_TEXT = re.compile(r"[A-Za-z0-9-]+")


def _count(queryset: QuerySet) -> Subquery:
    """A correlated COUNT(*) (one subquery per row, no joins that multiply rows)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _with_worklist_data(followups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Everything a worklist row shows, in a constant number of queries: the case, the
    customer with a phone number and an archive summary (products, cases), the
    questionnaire (call script), the assignee, and the attempts."""
    return (
        # The people are prefetched, not joined: with seven joins PostgreSQL stops
        # reordering them (join_collapse_limit) and would join every task before the
        # search's semi-join narrows them.
        followups.select_related("ticket", "customer", "questionnaire", "unit")
        .annotate(
            phone=Subquery(
                CustomerPhone.objects.filter(customer=OuterRef("customer"))
                .order_by("-is_primary", "pk")
                .values("number")[:1]
            ),
            product_count=_count(
                OwnedProduct.objects.filter(customer=OuterRef("customer"))
            ),
            case_count=_count(Ticket.objects.filter(customer=OuterRef("customer"))),
        )
        .prefetch_related(
            "ticket__first_owner",
            "assigned_to",
            "supervisor_note_by",
            "completed_by",
            Prefetch(
                "attempts",
                queryset=FollowUpAttempt.objects.select_related("by").order_by(
                    "at", "pk"
                ),
            ),
        )
    )


def _search(followups: QuerySet[FollowUp], q: str) -> QuerySet[FollowUp]:
    """Case number, customer name, or (four digits or more) a phone number: a UNION of
    the tasks of the matching cases and customers, each looked up by its index (trigram
    on PostgreSQL), not an OR over the tasks joined to every case and customer."""
    q = q.strip()
    tasks = FollowUp.objects.order_by()
    customers = Customer.objects.order_by()
    branches = [
        tasks.filter(
            customer__in=customers.filter(search_name__startswith=q.casefold())
            .values("pk")
            .union(customers.name_contains(q).values("pk"))
        ).values("pk"),
    ]
    if CASE_NUMBER_TEXT.fullmatch(q):
        # Case numbers are letters, digits and dashes (T20260302-00042): any other
        # text cannot be part of one, and a trigram index cannot serve it.
        branches.append(
            tasks.filter(
                ticket__in=Ticket.objects.order_by()
                .filter(number__icontains=q)
                .values("pk")
            ).values("pk")
        )
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4:
        branches.append(
            tasks.filter(
                customer__in=CustomerPhone.objects.order_by()
                .filter(number__contains=digits[-11:])
                .values("customer_id")
            ).values("pk")
        )
    first, *others = branches
    return followups.filter(pk__in=first.union(*others))


def followup_list(
    *, user: User, view: str = "all", now: datetime | None = None, q: str = ""
) -> QuerySet[FollowUp]:
    """The worklist of `user`: `view` is due (open and actionable now: the window has
    opened and the next attempt time has come), mine (my open tasks), team (open tasks
    of my teams), upcoming (scheduled), attention (unreachable or declined, the case
    still waiting for a supervisor's note), done (completed), or all visible; `q` finds a
    case number, a customer's name or phone. What is due now comes first."""
    followups = FollowUp.objects.visible_to(user)
    if q.strip():
        followups = _search(followups, q)
    if view == "due" and now is not None:
        followups = followups.filter(
            status__in=[S.DUE, S.IN_PROGRESS], opens_at__lte=now
        ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    elif view == "mine":
        followups = followups.filter(
            assigned_to=user, status__in=FollowUp.OPEN_STATUSES
        )
    elif view == "team":
        followups = followups.filter(
            unit__in=user.units.all(), status__in=FollowUp.OPEN_STATUSES
        )
    elif view == "upcoming":
        followups = followups.filter(status=S.SCHEDULED)
    elif view == "attention":
        followups = followups.filter(
            status__in=[S.UNREACHABLE, S.DECLINED],
            supervisor_note="",
            ticket__status="awaiting_follow_up",
        )
    elif view == "done":
        followups = followups.filter(status=S.COMPLETED)
    ordering = (
        ("-completed_at", "-pk")
        if view == "done"
        else ("next_attempt_at", "due_at", "pk")
    )
    return _with_worklist_data(followups).order_by(*ordering)


def followup_get(*, user: User, pk: int) -> FollowUp:
    """One follow-up `user` may see (404 otherwise), with its worklist data."""
    return get_object_or_404(
        _with_worklist_data(FollowUp.objects.visible_to(user)), pk=pk
    )


def followup_for_answer(*, pk: int) -> FollowUp | None:
    """The task behind an answer link (the link itself was verified by its signature)."""
    return (
        FollowUp.objects.select_related("questionnaire", "customer", "ticket")
        .filter(pk=pk)
        .first()
    )


def followups_of_ticket(*, ticket: Ticket) -> QuerySet[FollowUp]:
    """Every follow-up round of a case, oldest first."""
    return FollowUp.objects.filter(ticket=ticket).order_by("round", "pk")


def case_workers(*, ticket: Ticket) -> set[int]:
    """Ids of everyone who worked on the case, who may never do its follow-up (domain
    §7): first owner, handler, whoever acted on it (its events, except follow-up
    outcomes and the close/reopen steps of the loop), both sides of its handovers,
    repair technicians and the technicians of its field visits."""
    ids: set[int | None] = {ticket.first_owner_id, ticket.handler_id}
    ids |= set(
        TicketEvent.objects.filter(ticket=ticket, actor__isnull=False)
        .exclude(type=TicketEvent.Type.FOLLOW_UP)
        .exclude(
            type=TicketEvent.Type.STATUS_CHANGED,
            data__action__in=[TicketAction.CLOSE, TicketAction.REOPEN],
        )
        .values_list("actor_id", flat=True)
        .distinct()
    )
    for row in Handover.objects.filter(ticket=ticket).values_list(
        "from_user_id", "to_user_id", "decided_by_id"
    ):
        ids |= set(row)
    for row in Repair.objects.filter(ticket=ticket).values_list(
        "technician_id", "created_by_id"
    ):
        ids |= set(row)
    for row in FieldVisit.objects.filter(ticket=ticket).values_list(
        "technician_id", "created_by_id"
    ):
        ids |= set(row)
    ids.discard(None)
    return ids  # type: ignore[return-value]


def questionnaire_list() -> QuerySet[Questionnaire]:
    """Every questionnaire version, by code, newest version first."""
    return Questionnaire.objects.select_related("standard", "created_by").order_by(
        "code", "-version"
    )


def questionnaire_get(*, pk: int) -> Questionnaire:
    """One questionnaire version (404 when missing)."""
    return get_object_or_404(
        Questionnaire.objects.select_related("standard", "created_by"), pk=pk
    )


def questionnaire_active(*, standard_document_id: int | None) -> Questionnaire | None:
    """The active questionnaire for a standard: one tied to the standard document, else a
    general one (no standard), else any active one."""
    active = Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE)
    if standard_document_id:
        tied = active.filter(standard_id=standard_document_id).order_by("code").first()
        if tied is not None:
            return tied
    return (
        active.filter(standard__isnull=True).order_by("code").first()
        or active.order_by("code").first()
    )
