"""Reads of compensation and recourse (domain §6), permission-scoped: a claim or a
compensation is visible when its case is (`Ticket.objects.visible_to(user)`)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from aftersales.models import User
from customers.models import Party
from tickets.models import Compensation, RecourseClaim, Ticket, TicketEvent

__all__ = [
    "case_claims",
    "claim_events",
    "claim_get",
    "claim_list",
    "claim_totals",
    "compensation_get",
    "compensation_list",
    "party_ledger",
]

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _visible_claims(user: User) -> QuerySet[RecourseClaim]:
    return RecourseClaim.objects.filter(ticket__in=Ticket.objects.visible_to(user))


def claim_list(
    *,
    user: User,
    ticket: Ticket | None = None,
    party: Party | None = None,
    status: str = "",
) -> QuerySet[RecourseClaim]:
    """The claims of the cases `user` may see (optionally of one case, party or status),
    newest first, with their case, parties, owner, evidence and compensations loaded (a
    constant number of queries)."""
    claims = _visible_claims(user)
    if ticket is not None:
        claims = claims.filter(ticket=ticket)
    if party is not None:
        claims = claims.filter(party=party)
    if status:
        claims = claims.filter(status=status)
    return claims.select_related(
        "ticket", "party", "claimant", "owner", "approved_by"
    ).prefetch_related("evidence", "compensations")


def case_claims(*, ticket: Ticket) -> QuerySet[RecourseClaim]:
    """The claims of a case the caller already holds from `Ticket.objects.visible_to`
    (the case page's, through `ticket_get`): a claim is visible when its case is, so the
    visibility is not built a second time. Newest first, loaded as `claim_list` does."""
    return (
        RecourseClaim.objects.filter(ticket=ticket)
        .select_related("party", "claimant", "owner", "approved_by")
        .prefetch_related("evidence", "compensations")
    )


def claim_get(*, user: User, number: str) -> RecourseClaim:
    """One claim by number (or id) on a case `user` may see; 404 otherwise."""
    lookup = Q(number=number) | (Q(pk=int(number)) if number.isdigit() else Q())
    return get_object_or_404(
        _visible_claims(user)
        .select_related(
            "ticket__unit", "ticket__standard_version", "party", "claimant", "owner",
            "approved_by",
        )
        .prefetch_related("evidence", "compensations")
        .filter(lookup)
    )  # fmt: skip


def claim_events(*, claim: RecourseClaim) -> QuerySet[TicketEvent]:
    """The claim's own timeline: the events of its case that name it, oldest first."""
    return claim.ticket.events.filter(data__claim=claim.number).select_related("actor")


def claim_totals(claims: QuerySet[RecourseClaim]) -> dict[str, Decimal]:
    """Over a list of claims: claimed, recovered, and outstanding (claimed − recovered
    over the claims not written off), in one aggregate query."""
    live = ~Q(status=RecourseClaim.Status.WRITTEN_OFF)
    totals = claims.order_by().aggregate(
        claimed=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY),
        recovered=Coalesce(Sum("recovered_amount"), Value(ZERO), output_field=MONEY),
        outstanding=Coalesce(
            Sum(F("amount") - F("recovered_amount"), filter=live),
            Value(ZERO),
            output_field=MONEY,
        ),
    )
    return {name: Decimal(value).quantize(CENT) for name, value in totals.items()}


def party_ledger(party: Party) -> dict[str, Decimal]:
    """Paid vs recovered with one party (domain §1 "supplier ledger"), in one query:
    `paid` is what the company paid first and claims from the party (the compensations
    its claims cover; a claim drafted by hand without compensations counts its amount),
    `recovered` what came back, `outstanding` paid − recovered over the claims not
    written off."""
    covered = (
        Compensation.objects.filter(recourse_claim=OuterRef("pk"))
        .order_by()
        .values("recourse_claim")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    live = ~Q(status=RecourseClaim.Status.WRITTEN_OFF)
    totals = (
        RecourseClaim.objects.filter(party=party)
        .annotate(paid=Coalesce(Subquery(covered, output_field=MONEY), F("amount")))
        .aggregate(
            paid_total=Coalesce(Sum("paid"), Value(ZERO), output_field=MONEY),
            recovered=Coalesce(
                Sum("recovered_amount"), Value(ZERO), output_field=MONEY
            ),
            outstanding=Coalesce(
                Sum(F("paid") - F("recovered_amount"), filter=live),
                Value(ZERO),
                output_field=MONEY,
            ),
        )
    )
    return {
        "paid": Decimal(totals["paid_total"]).quantize(CENT),
        "recovered": Decimal(totals["recovered"]).quantize(CENT),
        "outstanding": Decimal(totals["outstanding"]).quantize(CENT),
    }


def compensation_list(*, ticket: Ticket) -> QuerySet[Compensation]:
    """The compensations of a case (already scoped by the case), newest first."""
    return ticket.compensations.select_related(
        "party", "recourse_claim", "created_by", "approved_by"
    )


def compensation_get(*, user: User, pk: int) -> Compensation:
    """One compensation on a case `user` may see; 404 otherwise."""
    return get_object_or_404(
        Compensation.objects.filter(
            ticket__in=Ticket.objects.visible_to(user)
        ).select_related("ticket__unit", "ticket__standard_version", "created_by"),
        pk=pk,
    )
