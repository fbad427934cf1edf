"""Writes of compensation (先行赔付) and recourse (追偿), domain §1 "Quality
first-responsibility" and §6 "Compensation", "Recourse claim".

Compensation and approval. A compensation above the approval threshold (the pinned
standard's `recourse.compensation_approval_above`, 5,000 CNY by default) recorded by someone
who is not a supervisor or manager waits for approval by a supervisor of the case's unit (or
of a unit above it) or a manager, never the recorder. **A compensation waiting for approval
is not paid yet**: its `paid_on` stays empty (a paid date given with it is refused) and it is
on no claim; the approval stamps `paid_on` (the date given, else today) and only then is the
recourse claim drafted. So "paid" ⇔ `paid_on` is set, everywhere (ledger, sweep, pages).

Recourse. A paid compensation whose liability lies with a third party (producer defect →
producer, seller storage → seller, carrier, installer, repairer → service provider) is
covered by a claim against the liable party (the one named, else the one the product's
record names for that liability): it joins the case's open draft claim against that
party (amount = the sum), or a
new draft claim is made (owner: who recorded it; basis suggested from the liability;
limitation date: paid date + the limitation years, 3 by default). The claim then follows
`tickets.workflow.CLAIM_TRANSITIONS`; each step is compare-and-set and writes a RECOURSE
event on the claim's case.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleObject
from aftersales.models import User
from aftersales.roles import Role
from aftersales.services import job_run, notify
from aftersales.workflow import run_guards
from customers.models import Party
from standards.parameters import get_path
from tickets import workflow
from tickets.events import ticket_event_record
from tickets.models import (
    Attachment,
    Compensation,
    Liability,
    RecourseClaim,
    Ticket,
    TicketEvent,
)
from tickets.workflow import ClaimAction, TicketStatus

__all__ = [
    "claim_create",
    "claim_transition",
    "claim_update",
    "claim_url",
    "compensation_approve",
    "compensation_can_approve",
    "compensation_needs_approval",
    "compensation_record",
    "recourse_settings",
    "recourse_sweep",
]

C = RecourseClaim.Status

# Which kind of party a third-party liability points at (recourse runs against it).
LIABLE_PARTY_KIND: dict[str, str] = {
    Liability.PRODUCER_DEFECT: Party.Kind.PRODUCER,
    Liability.SELLER_STORAGE: Party.Kind.SELLER,
    Liability.CARRIER: Party.Kind.CARRIER,
    Liability.INSTALLER: Party.Kind.INSTALLER,
    Liability.REPAIRER: Party.Kind.SERVICE_PROVIDER,
}

# Where the product's record names the liable party of each third-party liability.
_PRODUCT_PARTY = {
    Liability.PRODUCER_DEFECT: lambda product: product.model.producer,
    Liability.SELLER_STORAGE: lambda product: product.seller,
    Liability.CARRIER: lambda product: product.carrier,
    Liability.INSTALLER: lambda product: product.installer,
}
_NAME_THE_PARTY = {
    Liability.PRODUCER_DEFECT: _("Name the liable party: the product's model has no "
                                 "producer on record."),
    Liability.SELLER_STORAGE: _("Name the liable party: the product has no seller on "
                                "record."),
    Liability.CARRIER: _("Name the liable party: the product has no carrier on record."),
    Liability.INSTALLER: _("Name the liable party: the product has no installer on "
                           "record."),
    Liability.REPAIRER: _("Name the liable party: the repairer is not on the product's "
                          "record."),
}  # fmt: skip
_NO_PRODUCT = _("Name the liable party: the case has no product to find it on.")


def liable_party_of(*, ticket: Ticket, liability: str) -> Party | None:
    """The party a third-party liability points at on the case's product record: the
    producer of the model for a producer defect, the product's seller for seller storage,
    its carrier for transport damage, its installer for installation damage (None when
    the record names nobody, or for a repairer, who is not on the record)."""
    product = ticket.product
    find = _PRODUCT_PARTY.get(liability)
    if product is None or find is None:
        return None
    return find(product)


# The legal basis a drafted claim starts with (a suggestion: the owner edits it).
BASIS_SUGGESTIONS = {
    Liability.PRODUCER_DEFECT: _("Product Quality Law Art. 40 / CRPL Art. 40"),
    Liability.SELLER_STORAGE: _("Civil Code Art. 1203 / CRPL Art. 40"),
    Liability.CARRIER: _("Civil Code Art. 1204 / contract of carriage"),
    Liability.INSTALLER: _("Installation contract / Civil Code Art. 577"),
    Liability.REPAIRER: _("Repair service contract / Civil Code Art. 577"),
}

# Company numbers, read from the case's pinned standard (`recourse.*`); these are the
# defaults when the standard does not set them.
DEFAULTS = {
    "compensation_approval_above": Decimal("5000"),
    "limitation_years": 3,
    "response_days": 30,
}
# The limitation warnings (days before the limitation date). The sweep is set-based across
# every case, so it uses one ladder rather than each case's standard.
LIMITATION_WARN_DAYS = (90, 30)
CENT = Decimal("0.01")


def recourse_settings(ticket: Ticket) -> dict[str, Any]:
    """The recourse numbers in force for the case (its pinned standard, else defaults)."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    return {
        "compensation_approval_above": Decimal(
            str(
                get_path(
                    parameters,
                    "recourse.compensation_approval_above",
                    DEFAULTS["compensation_approval_above"],
                )
            )
        ),
        "limitation_years": int(
            get_path(
                parameters, "recourse.limitation_years", DEFAULTS["limitation_years"]
            )
        ),
        "response_days": int(
            get_path(parameters, "recourse.response_days", DEFAULTS["response_days"])
        ),
    }


def _money(value: Any, field: str) -> Decimal:
    """A positive amount in CNY with at most two decimals, else a field error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter an amount.")]}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: [_("The amount must be more than zero.")]})
    if amount != amount.quantize(CENT) or amount >= Decimal("1e10"):
        raise ValidationError({field: [_("Enter an amount in yuan and fen.")]})
    return amount.quantize(CENT)


def _plus_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _require_claim_worker(actor: User) -> None:
    if not permissions.can_work_on_claims(actor):
        raise ActionForbidden(_("Your role does not work on recourse claims."))


# --- Compensation --------------------------------------------------------------------------


def compensation_needs_approval(
    *, ticket: Ticket, actor: User, amount: Decimal
) -> bool:
    """Above the threshold, someone who is not a supervisor or manager needs approval."""
    threshold = recourse_settings(ticket)["compensation_approval_above"]
    return amount > threshold and not permissions.can_skip_compensation_approval(actor)


def compensation_can_approve(*, actor: User, ticket: Ticket) -> bool:
    """Managers approve any compensation; supervisors those of cases in their units'
    subtrees (a supervisor of the case's unit or of a unit above it)."""
    return permissions.can_approve_compensation(user=actor, unit=ticket.unit)


def _approvers(ticket: Ticket) -> set[User]:
    """Who is asked to approve: the supervisors above the case, else the managers."""
    supervisors = set(permissions.supervisors_over(unit=ticket.unit))
    return supervisors or set(
        User.objects.filter(is_active=True, groups__name=Role.MANAGER)
    )


@transaction.atomic
def compensation_record(
    *,
    ticket: Ticket,
    actor: User,
    kind: str,
    amount: Decimal | str,
    liability: str | None = None,
    party: Party | None = None,
    paid_on: date | None = None,
    note: str = "",
) -> Compensation:
    """Record what the company pays the customer first (先行赔付).

    The liability defaults to the case's (required when the case has none). With a
    third-party liability the liable party is `party`, else the one the product's record
    names for that liability (`liable_party_of`: producer, seller, carrier or installer);
    when the record names nobody the user must name the party (a field error, nothing
    stored). A party of another kind than the liability suggests is accepted. Above the approval
    threshold a non-supervisor's compensation waits for approval, unpaid; otherwise it is
    paid on `paid_on` (default today) and covered by a recourse claim at once."""
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff record compensations."))
    if ticket.status in {TicketStatus.CANCELLED, TicketStatus.DUPLICATE}:
        raise ValidationError(_("A cancelled or duplicate case gets no compensation."))
    amount = _money(amount, "amount")
    liability = liability or ticket.liability
    if not liability:
        raise ValidationError(
            {"liability": [_("The case has no liability yet: say who is liable.")]}
        )
    if liability not in Liability.values:
        raise ValidationError({"liability": [_("Unknown liability.")]})
    if liability in LIABLE_PARTY_KIND and party is None:
        party = liable_party_of(ticket=ticket, liability=liability)
        if party is None:
            message = (
                _NO_PRODUCT if ticket.product is None else _NAME_THE_PARTY[liability]
            )
            raise ValidationError({"party": [message]})
    today = timezone.localdate()
    if paid_on is not None and paid_on > today:
        raise ValidationError(
            {"paid_on": [_("A payment date cannot be in the future.")]}
        )
    pending = compensation_needs_approval(ticket=ticket, actor=actor, amount=amount)
    if pending and paid_on is not None:
        raise ValidationError(
            {"paid_on": [_("This amount needs approval before it is paid: leave the "
                           "payment date empty; the approval sets it.")]}
        )  # fmt: skip
    now = timezone.now()
    above = amount > recourse_settings(ticket)["compensation_approval_above"]
    compensation = Compensation(
        ticket=ticket,
        kind=kind,
        amount=amount,
        liability=liability,
        party=party,
        paid_on=None if pending else (paid_on or today),
        note=note,
        created_by=actor,
        # A supervisor or manager recording above the threshold approves it themselves.
        approved_by=actor if above and not pending else None,
        approved_at=now if above and not pending else None,
    )
    compensation.full_clean(exclude=["recourse_claim"])
    compensation.save()
    ticket_event_record(
        ticket,
        TicketEvent.Type.COMPENSATION,
        actor,
        data={
            "step": "recorded",
            "compensation": compensation.pk,
            "kind": kind,
            "amount": str(amount),
            "liability": liability,
            "party": party.pk if party else None,
            "paid_on": compensation.paid_on.isoformat()
            if compensation.paid_on
            else None,
            "awaiting_approval": pending,
            "note": note,
        },
        at=now,
    )
    if pending:
        for person in _approvers(ticket) - {actor}:
            notify(
                recipient=person,
                kind="compensation_approval",
                key=f"compensation-approval:{compensation.pk}:{person.pk}",
                title=_("%(number)s: approve a compensation of ¥%(amount)s"),
                title_params={"number": ticket.number, "amount": amount},
                url=ticket.get_absolute_url(),
            )
    else:
        _cover(compensation, actor=actor, now=now)
    return compensation


@transaction.atomic
def compensation_approve(
    *, compensation: Compensation, actor: User, paid_on: date | None = None
) -> Compensation:
    """Approve a compensation waiting for approval: a supervisor of the case's unit (or
    above) or a manager, never the recorder. It is paid on `paid_on` (default today) and
    then covered by a recourse claim when a third party is liable."""
    ticket = compensation.ticket
    if compensation.paid_on is not None:
        raise InvalidTransition(_("This compensation is not waiting for approval."))
    if actor.pk == compensation.created_by_id:
        raise ActionForbidden(_("Someone else must approve your compensation."))
    if not compensation_can_approve(actor=actor, ticket=ticket):
        raise ActionForbidden(
            _("A supervisor of the case's unit or a manager approves compensations.")
        )
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise ValidationError(
            {"paid_on": [_("A payment date cannot be in the future.")]}
        )
    now = timezone.now()
    if not Compensation.objects.filter(pk=compensation.pk, paid_on__isnull=True).update(
        approved_by=actor, approved_at=now, paid_on=paid_on
    ):
        raise StaleObject(_("This compensation was approved already."))
    compensation.refresh_from_db()
    ticket_event_record(
        ticket,
        TicketEvent.Type.COMPENSATION,
        actor,
        data={
            "step": "approved",
            "compensation": compensation.pk,
            "amount": str(compensation.amount),
            "paid_on": paid_on.isoformat(),
        },
        at=now,
    )
    if compensation.created_by_id != actor.pk:
        notify(
            recipient=compensation.created_by,
            kind="compensation_approved",
            key=f"compensation-approved:{compensation.pk}",
            title=_("%(number)s: your compensation of ¥%(amount)s was approved"),
            title_params={"number": ticket.number, "amount": compensation.amount},
            url=ticket.get_absolute_url(),
        )
    _cover(compensation, actor=actor, now=now)
    return compensation


class _AlreadyCovered(Exception):
    """Someone else put the compensation on a claim first (rolls the savepoint back)."""


def _claim_number(claim: RecourseClaim) -> str:
    return f"R{timezone.localdate(claim.created_at):%Y%m%d}-{claim.pk:05d}"


def _cover(
    compensation: Compensation, *, actor: User | None, now: datetime
) -> RecourseClaim | None:
    """Put a paid third-party compensation on a recourse claim: the case's open draft claim
    against the same party gets it added (amount = the sum), else a draft claim is made.
    Compare-and-set on the compensation, so two callers never cover it twice."""
    if (
        compensation.liability not in LIABLE_PARTY_KIND
        or compensation.party_id is None
        or compensation.paid_on is None
        or compensation.recourse_claim_id is not None
    ):
        return None
    ticket = compensation.ticket
    years = recourse_settings(ticket)["limitation_years"]
    limitation = _plus_years(compensation.paid_on, years)
    owner = actor or compensation.created_by
    try:
        with transaction.atomic():
            claim = (
                RecourseClaim.objects.filter(
                    ticket=ticket,
                    party_id=compensation.party_id,
                    claimant__isnull=True,
                    status=C.DRAFT,
                )
                .order_by("pk")
                .first()
            )
            added = claim is not None and bool(
                RecourseClaim.objects.filter(pk=claim.pk, status=C.DRAFT).update(
                    amount=F("amount") + compensation.amount, updated_at=now
                )
            )
            if added:
                if limitation < claim.limitation_date:
                    RecourseClaim.objects.filter(pk=claim.pk).update(
                        limitation_date=limitation
                    )
                claim.refresh_from_db()
            else:
                claim = RecourseClaim.objects.create(
                    number=f"TMP-R-{compensation.pk}-{now.timestamp()}",
                    ticket=ticket,
                    party_id=compensation.party_id,
                    basis=str(BASIS_SUGGESTIONS[compensation.liability]),
                    amount=compensation.amount,
                    limitation_date=limitation,
                    owner=owner,
                )
                claim.number = _claim_number(claim)
                claim.save(update_fields=["number"])
                # The evidence bundle starts with the case's files (repair report,
                # photos, payment proof: A11); the owner unticks what does not belong.
                claim.evidence.set(ticket.attachments.all())
            if not Compensation.objects.filter(
                pk=compensation.pk, recourse_claim__isnull=True
            ).update(recourse_claim=claim):
                raise _AlreadyCovered
            ticket_event_record(
                ticket,
                TicketEvent.Type.RECOURSE,
                actor,
                data={
                    "step": "compensation_added" if added else "drafted",
                    "claim": claim.number,
                    "compensation": compensation.pk,
                    "party": compensation.party_id,
                    "amount": str(claim.amount),
                },
                at=now,
            )
    except _AlreadyCovered:
        compensation.refresh_from_db()
        return compensation.recourse_claim
    compensation.recourse_claim = claim
    return claim


# --- Recourse claims -----------------------------------------------------------------------


@transaction.atomic
def claim_create(
    *,
    ticket: Ticket,
    actor: User,
    party: Party,
    amount: Decimal | str,
    basis: str,
    claimant: Party | None = None,
    evidence_notes: str = "",
) -> RecourseClaim:
    """Draft a claim by hand (no compensation behind it needed). It works both ways: with
    `claimant` another party claims (a producer against a seller); without, the company.
    The limitation runs 3 years (the standard's `recourse.limitation_years`) from today."""
    _require_claim_worker(actor)
    amount = _money(amount, "amount")
    if claimant is not None and claimant.pk == party.pk:
        raise ValidationError({"claimant": [_("A party cannot claim against itself.")]})
    now = timezone.now()
    claim = RecourseClaim(
        number=f"TMP-R-{ticket.pk}-{now.timestamp()}",
        ticket=ticket,
        party=party,
        claimant=claimant,
        basis=basis.strip(),
        amount=amount,
        evidence_notes=evidence_notes,
        limitation_date=_plus_years(
            timezone.localdate(now), recourse_settings(ticket)["limitation_years"]
        ),
        owner=actor,
    )
    claim.full_clean(exclude=["number"])
    claim.save()
    claim.number = _claim_number(claim)
    claim.save(update_fields=["number"])
    ticket_event_record(
        ticket,
        TicketEvent.Type.RECOURSE,
        actor,
        data={
            "step": "drafted",
            "claim": claim.number,
            "party": party.pk,
            "claimant": claimant.pk if claimant else None,
            "amount": str(amount),
        },
        at=now,
    )
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: RecourseClaim,
    actor: User,
    basis: str | None = None,
    evidence: list[Attachment] | None = None,
    evidence_notes: str | None = None,
    amount: Decimal | str | None = None,
    note: str | None = None,
) -> RecourseClaim:
    """Change a claim's basis, evidence (files of its case), evidence notes, amount or
    note while it is a draft or ready (a ready claim must stay ready: basis and evidence).
    Afterwards the claim is what was sent: 409."""
    _require_claim_worker(actor)
    if not workflow.claim_is_editable(claim.status):
        raise InvalidTransition(
            _("A claim that is %(current)s can no longer be changed.")
            % {"current": claim.get_status_display()}
        )
    fields: dict[str, Any] = {}
    if basis is not None:
        fields["basis"] = basis.strip()
        if len(fields["basis"]) > 300:
            raise ValidationError({"basis": [_("At most 300 characters.")]})
    if evidence_notes is not None:
        fields["evidence_notes"] = evidence_notes
    if note is not None:
        fields["note"] = note
    if amount is not None:
        fields["amount"] = _money(amount, "amount")
    if evidence is not None:
        foreign = [a for a in evidence if a.ticket_id != claim.ticket_id]
        if foreign:
            raise ValidationError(
                {"evidence": [_("Evidence must be files of the claim's case.")]}
            )
    if claim.status == C.READY:
        workflow.claim_ready_check(
            basis=fields.get("basis", claim.basis),
            has_evidence=bool(evidence)
            if evidence is not None
            else claim.evidence.exists(),
            evidence_notes=fields.get("evidence_notes", claim.evidence_notes),
            amount=fields.get("amount", claim.amount),
        )
    now = timezone.now()
    if not RecourseClaim.objects.filter(pk=claim.pk, status=claim.status).update(
        updated_at=now, **fields
    ):
        raise StaleObject()
    if evidence is not None:
        claim.evidence.set(evidence)
    claim.refresh_from_db()
    changed = sorted([*fields, *(["evidence"] if evidence is not None else [])])
    ticket_event_record(
        claim.ticket,
        TicketEvent.Type.RECOURSE,
        actor,
        data={"step": "updated", "claim": claim.number, "fields": changed},
        at=now,
    )
    return claim


def _settlement_target(
    claim: RecourseClaim, recovered_amount: Any
) -> tuple[str, Decimal]:
    """settled_full when everything claimed came back, settled_partial for less; more
    than claimed, or nothing, is refused (nothing back is a rejection)."""
    if recovered_amount in (None, ""):
        raise ValidationError({"recovered_amount": [_("Enter the amount recovered.")]})
    recovered = _money(recovered_amount, "recovered_amount")
    if recovered > claim.amount:
        raise ValidationError(
            {"recovered_amount": [_("More than the ¥%(amount)s claimed cannot be "
                                    "recovered.") % {"amount": claim.amount}]}
        )  # fmt: skip
    return (
        C.SETTLED_FULL if recovered >= claim.amount else C.SETTLED_PARTIAL
    ), recovered


@transaction.atomic
def claim_transition(
    *,
    claim: RecourseClaim,
    actor: User | None,
    action: str,
    reason: str = "",
    recovered_amount: Decimal | str | None = None,
    now: datetime | None = None,
) -> RecourseClaim:
    """Move a claim one step along `workflow.CLAIM_TRANSITIONS` as `actor`.

    ready needs a basis and evidence; submit starts the party's response time (30 days by
    default); each answer of the party (acknowledge, negotiate) restarts it; settle takes
    the amount recovered (full or partial by the amount); reject and write-off need a
    reason, and only a manager writes off (recorded as the approver). Compare-and-set:
    409 when someone moved the claim first."""
    now = now or timezone.now()
    targets = workflow.claim_targets(
        claim.status, action, label=str(claim.get_status_display())
    )
    roles = set(actor.role_names) if actor is not None else None
    rule = workflow.claim_check(claim.status, targets[0], roles=roles)
    recovered = None
    target = targets[0]
    if action == ClaimAction.SETTLE:
        target, recovered = _settlement_target(claim, recovered_amount)
        rule = workflow.claim_check(claim.status, target, roles=roles)
    if rule.needs_reason and not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    run_guards(rule.guards, claim, has_evidence=lambda: claim.evidence.exists())
    today = timezone.localdate(now)
    response_due = today + timedelta(
        days=recourse_settings(claim.ticket)["response_days"]
    )
    fields: dict[str, Any] = {}
    if action == ClaimAction.SUBMIT:
        fields.update(submitted_at=now, response_due_on=response_due)
    elif action in {ClaimAction.ACKNOWLEDGE, ClaimAction.NEGOTIATE}:
        fields["response_due_on"] = response_due
    elif action == ClaimAction.SETTLE:
        fields.update(recovered_amount=recovered, settled_at=now)
    elif action in {ClaimAction.CLOSE, ClaimAction.WRITE_OFF}:
        fields["closed_at"] = now
    if action == ClaimAction.WRITE_OFF:
        fields["approved_by"] = actor
    old = claim.status
    if not RecourseClaim.objects.filter(pk=claim.pk, status=old).update(
        status=target, updated_at=now, **fields
    ):
        raise StaleObject()
    claim.refresh_from_db()
    ticket_event_record(
        claim.ticket,
        TicketEvent.Type.RECOURSE,
        actor,
        data={
            "step": action,
            "claim": claim.number,
            "old": old,
            "new": target,
            "note": reason,
            **({"recovered_amount": str(recovered)} if recovered is not None else {}),
        },
        at=now,
    )
    if action == ClaimAction.WRITE_OFF and actor is not None and actor != claim.owner:
        notify(
            recipient=claim.owner,
            kind="claim_written_off",
            key=f"claim-written-off:{claim.pk}",
            title=_("Recourse claim %(number)s was written off by %(name)s"),
            title_params={"number": claim.number, "name": actor.name},
            body=reason,
            url=claim_url(claim),
        )
    return claim


def claim_url(claim: RecourseClaim) -> str:
    """The claim's page."""
    return reverse("tickets:recourse-claim-detail", args=[claim.number])


# --- The daily sweep -----------------------------------------------------------------------


def recourse_sweep(*, now: datetime) -> int:
    """Daily (domain §9): (1) draft the claim of every paid third-party compensation that
    has none (a failure after payment, an approval path); (2) remind the owner, once a
    day, of claims whose party's response is overdue; (3) warn the owner and the managers
    90 and 30 days before the limitation date of claims not yet submitted, once per
    threshold. Set-based: each step reads only its due rows (indexed columns); idempotent
    through compare-and-set stamps and unique event keys. Returns the steps taken."""
    today = timezone.localdate(now)
    with job_run("recourse_sweep") as run:
        uncovered = Compensation.objects.filter(
            recourse_claim__isnull=True,
            paid_on__isnull=False,
            liability__in=list(LIABLE_PARTY_KIND),
        ).select_related(
            "ticket__unit", "ticket__standard_version", "created_by",
            "ticket__product__model__producer", "ticket__product__seller",
            "ticket__product__carrier", "ticket__product__installer",
        )  # fmt: skip
        for compensation in uncovered:
            if compensation.party_id is None and not _name_liable_party(compensation):
                continue  # the product's record names nobody: a person must name one
            if _cover(compensation, actor=None, now=now) is not None:
                run.items += 1
        overdue = (
            RecourseClaim.objects.filter(
                status__in=workflow.CLAIM_AWAITING_STATES, response_due_on__lt=today
            )
            .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
            .select_related("ticket", "owner", "party")
        )
        for claim in overdue:
            run.items += _remind(claim, today=today, now=now)
        managers: list[User] | None = None
        horizon = today + timedelta(days=max(LIMITATION_WARN_DAYS))
        nearest = min(LIMITATION_WARN_DAYS)
        watched = (
            RecourseClaim.objects.filter(
                status__in=workflow.CLAIM_UNSUBMITTED_STATES,
                limitation_date__gte=today,
                limitation_date__lte=horizon,
            )
            # Warned once already and not yet inside the last window: nothing to do.
            .filter(
                Q(limitation_warned_on__isnull=True)
                | Q(limitation_date__lte=today + timedelta(days=nearest))
            )
            .select_related("ticket", "owner", "party")
        )
        for claim in watched:
            days_left = (claim.limitation_date - today).days
            threshold = min(t for t in LIMITATION_WARN_DAYS if days_left <= t)
            warned = claim.limitation_warned_on
            if warned is not None and warned >= claim.limitation_date - timedelta(
                days=threshold
            ):
                continue  # this threshold was warned of already
            if managers is None:
                managers = list(
                    User.objects.filter(is_active=True, groups__name=Role.MANAGER)
                )
            run.items += _warn_limitation(
                claim, threshold=threshold, days_left=days_left, managers=managers,
                today=today, now=now,
            )  # fmt: skip
    return run.items


def _name_liable_party(compensation: Compensation) -> bool:
    """The rule of `compensation_record` for a paid third-party compensation that has no
    party: it gets the one the product's record names for its liability
    (`liable_party_of`), compare-and-set; False when the record names nobody (no claim is
    drafted then, a person must name the party) — never the producer by default."""
    party = liable_party_of(
        ticket=compensation.ticket, liability=compensation.liability
    )
    if party is None:
        return False
    if not Compensation.objects.filter(pk=compensation.pk, party__isnull=True).update(
        party=party
    ):
        compensation.refresh_from_db()  # someone named a party first
        return compensation.party_id is not None
    compensation.party = party
    return True


def _remind(claim: RecourseClaim, *, today: date, now: datetime) -> int:
    """Stamp today's reminder (compare-and-set) and tell the owner; 1 when this call did."""
    if not (
        RecourseClaim.objects.filter(pk=claim.pk, response_due_on__lt=today)
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .update(reminded_on=today)
    ):
        return 0
    key = f"claim-reminder:{claim.pk}:{today.isoformat()}"
    ticket_event_record(
        claim.ticket,
        TicketEvent.Type.RECOURSE,
        None,
        data={
            "step": "response_overdue",
            "claim": claim.number,
            "response_due_on": claim.response_due_on.isoformat(),
        },
        key=key,
        at=now,
    )
    notify(
        recipient=claim.owner,
        kind="claim_response_overdue",
        key=key,
        title=_("%(number)s: %(party)s has not answered since %(due)s"),
        title_params={
            "number": claim.number,
            "party": claim.party.name,
            "due": claim.response_due_on.isoformat(),
        },
        url=claim_url(claim),
        email=True,
    )
    return 1


def _warn_limitation(
    claim: RecourseClaim,
    *,
    threshold: int,
    days_left: int,
    managers: list[User],
    today: date,
    now: datetime,
) -> int:
    """Record the limitation warning of one threshold once (unique key) and alert the
    owner and the managers; 1 when this call did."""
    key = f"claim-limitation:{claim.pk}:{threshold}"
    try:
        with transaction.atomic():
            ticket_event_record(
                claim.ticket,
                TicketEvent.Type.RECOURSE,
                None,
                data={
                    "step": "limitation_warning",
                    "claim": claim.number,
                    "threshold": threshold,
                    "limitation_date": claim.limitation_date.isoformat(),
                },
                key=key,
                at=now,
            )
    except IntegrityError:
        return 0
    RecourseClaim.objects.filter(pk=claim.pk).update(limitation_warned_on=today)
    for person in {claim.owner, *managers}:
        notify(
            recipient=person,
            kind="claim_limitation",
            key=f"{key}:{person.pk}",
            title=_("%(number)s: %(days)s days left to claim against %(party)s"),
            title_params={
                "number": claim.number,
                "days": days_left,
                "party": claim.party.name,
            },
            url=claim_url(claim),
            email=True,
        )
    return 1
