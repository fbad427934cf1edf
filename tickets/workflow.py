"""The ticket lifecycle (domain §6): statuses, the one transition table, who may fire each
edge, and pure predicates. No database access.

    new → acknowledged → in_progress ⇄ waiting_parts | waiting_customer
    acknowledged | in_progress → resolved → awaiting_follow_up → closed
    awaiting_follow_up → reopened → in_progress   (dissatisfied follow-up)
    closed → reopened                               (same fault within the reopen window)
    any open state → cancelled | duplicate          (with a reason)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.workflow import Table, labeller
from standards.parameters import get_path


class TicketStatus(models.TextChoices):
    """Where a case is in its lifecycle."""

    NEW = "new", pgettext_lazy("case", "New")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("case", "Acknowledged")
    IN_PROGRESS = "in_progress", pgettext_lazy("case", "In progress")
    WAITING_PARTS = "waiting_parts", pgettext_lazy("case", "Waiting for parts")
    WAITING_CUSTOMER = (
        "waiting_customer",
        pgettext_lazy("case", "Waiting for the customer"),
    )
    RESOLVED = "resolved", pgettext_lazy("case", "Resolved")
    AWAITING_FOLLOW_UP = (
        "awaiting_follow_up",
        pgettext_lazy("case", "Awaiting follow-up"),
    )
    REOPENED = "reopened", pgettext_lazy("case", "Reopened")
    CLOSED = "closed", pgettext_lazy("case", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("case", "Cancelled")
    DUPLICATE = "duplicate", pgettext_lazy("case", "Duplicate")


class TicketAction(models.TextChoices):
    """Named actions (API action names and buttons)."""

    ACKNOWLEDGE = "acknowledge", pgettext_lazy("case", "Acknowledge")
    START = "start", pgettext_lazy("case", "Start work")
    PAUSE_PARTS = "pause_parts", pgettext_lazy("case", "Wait for parts")
    PAUSE_CUSTOMER = "pause_customer", pgettext_lazy("case", "Wait for the customer")
    RESUME = "resume", pgettext_lazy("case", "Resume")
    RESOLVE = "resolve", pgettext_lazy("case", "Resolve")
    AWAIT_FOLLOW_UP = "await_follow_up", pgettext_lazy("case", "Hand to follow-up")
    CLOSE = "close", pgettext_lazy("case", "Close")
    REOPEN = "reopen", pgettext_lazy("case", "Reopen")
    CANCEL = "cancel", pgettext_lazy("case", "Cancel")
    MARK_DUPLICATE = "mark_duplicate", pgettext_lazy("case", "Mark as duplicate")


S = TicketStatus
A = TicketAction
# The roles of the table come from their one home, aftersales.permissions.
STAFF = permissions.CASE_STAFF
WORKERS = permissions.CASE_WORKERS
CLOSERS = permissions.CASE_CLOSERS
LEADS = permissions.CASE_LEADS

OPEN_STATES = frozenset(
    {
        S.NEW,
        S.ACKNOWLEDGED,
        S.IN_PROGRESS,
        S.WAITING_PARTS,
        S.WAITING_CUSTOMER,
        S.REOPENED,
    }
)
PAUSED_STATES = frozenset({S.WAITING_PARTS, S.WAITING_CUSTOMER})
FINAL_STATES = frozenset({S.CLOSED, S.CANCELLED, S.DUPLICATE})


@dataclass(frozen=True)
class Rule:
    """One allowed edge: the action, the roles that may fire it (empty: the system only,
    e.g. the follow-up loop), whether it pauses the SLA clocks, whether a note is needed,
    and the guards (functions below) that must hold; the services run them with the facts
    they gather."""

    action: TicketAction
    roles: frozenset[str] = frozenset()
    pauses_sla: bool = False
    needs_note: bool = False
    guards: tuple[Callable[..., None], ...] = ()


# --- Guards of the case table (domain §6): each raises when the case may not move yet ----


def _parameters(ticket: Any) -> Mapping[str, Any]:
    version = ticket.standard_version
    return version.parameters if version is not None else {}


def resolution_guard(
    ticket: Any, *, has_open_repair: Callable[[], bool], **facts
) -> None:
    """Resolving needs the cause, the liability, the customer told the result, and no open
    repair (an open repair keeps counting repair days towards the legal limits)."""
    missing = {}
    if not ticket.cause_code:
        missing["cause_code"] = [_("Record the cause before resolving.")]
    if not ticket.liability:
        missing["liability"] = [_("Record the liability before resolving.")]
    if ticket.customer_informed_at is None:
        missing["customer_informed"] = [_("Tell the customer the result first.")]
    if has_open_repair():
        missing["repair"] = [_("Finish the open repair (fixed or failed) first.")]
    if missing:
        raise ValidationError(missing)


def follow_up_guard(ticket: Any, **facts) -> None:
    """A case of a type the standard follows up closes only after its follow-up."""
    coverage = get_path(_parameters(ticket), f"followup.coverage.{ticket.type}", 1)
    if coverage and ticket.follow_up_completed_at is None:
        raise DomainError(
            _("A case closes after its follow-up (or the unreachable path with a "
              "supervisor's note).")
        )  # fmt: skip


def reopen_window_guard(ticket: Any, *, now: datetime, **facts) -> None:
    """A closed case reopens only within the standard's reopen window (30 days)."""
    days = get_path(_parameters(ticket), "followup.reopen_window_days", 30)
    if ticket.closed_at and now > ticket.closed_at + timedelta(days=days):
        raise DomainError(
            _("The reopen window of %(days)s days has passed: open a new case.")
            % {"days": days}
        )


def _end() -> dict[TicketStatus, Rule]:
    """The cancel/duplicate edges every open state has (a reason is required)."""
    return {
        S.CANCELLED: Rule(A.CANCEL, STAFF, needs_note=True),
        S.DUPLICATE: Rule(A.MARK_DUPLICATE, STAFF, needs_note=True),
    }


TRANSITIONS: dict[TicketStatus, dict[TicketStatus, Rule]] = {
    S.NEW: {S.ACKNOWLEDGED: Rule(A.ACKNOWLEDGE, STAFF), **_end()},
    S.ACKNOWLEDGED: {
        S.IN_PROGRESS: Rule(A.START, STAFF),
        S.RESOLVED: Rule(A.RESOLVE, WORKERS | LEADS, guards=(resolution_guard,)),
        **_end(),
    },
    S.IN_PROGRESS: {
        S.WAITING_PARTS: Rule(A.PAUSE_PARTS, WORKERS | LEADS, pauses_sla=True),
        S.WAITING_CUSTOMER: Rule(A.PAUSE_CUSTOMER, WORKERS | LEADS, pauses_sla=True),
        S.RESOLVED: Rule(A.RESOLVE, WORKERS | LEADS, guards=(resolution_guard,)),
        **_end(),
    },
    S.WAITING_PARTS: {S.IN_PROGRESS: Rule(A.RESUME, WORKERS | LEADS), **_end()},
    S.WAITING_CUSTOMER: {S.IN_PROGRESS: Rule(A.RESUME, WORKERS | LEADS), **_end()},
    S.RESOLVED: {
        S.AWAITING_FOLLOW_UP: Rule(A.AWAIT_FOLLOW_UP),
        # Types the standard does not follow up (e.g. consultations) close from here.
        S.CLOSED: Rule(A.CLOSE, CLOSERS, guards=(follow_up_guard,)),
    },
    S.AWAITING_FOLLOW_UP: {
        S.CLOSED: Rule(A.CLOSE, CLOSERS, guards=(follow_up_guard,)),
        S.REOPENED: Rule(A.REOPEN, CLOSERS | LEADS, needs_note=True),
    },
    S.REOPENED: {S.IN_PROGRESS: Rule(A.START, STAFF), **_end()},
    S.CLOSED: {
        S.REOPENED: Rule(
            A.REOPEN, CLOSERS | LEADS, needs_note=True, guards=(reopen_window_guard,)
        )
    },
    S.CANCELLED: {},
    S.DUPLICATE: {},
}


TABLE = Table(
    edges=TRANSITIONS,
    state_label=labeller(TicketStatus),
    action_label=labeller(TicketAction),
    no_edge=_("A case that is %(current)s cannot become %(target)s."),
    not_possible=_("“%(action)s” is not possible for a case that is %(current)s."),
)


def rule_for(current: str, target: str) -> Rule:
    """The rule of current → target; InvalidTransition when there is none."""
    return TABLE.rule_for(current, target)


def target_of(current: str, action: str) -> TicketStatus:
    """Where `action` leads from `current`; InvalidTransition when it is not allowed."""
    return TABLE.targets_of(current, action)[0]


def check(current: str, target: str, *, roles: set[str] | None) -> Rule:
    """Raise InvalidTransition unless the edge exists, ActionForbidden unless `roles` may
    fire it (`roles=None`: the system is acting)."""
    return TABLE.check(current, target, roles=roles)


def allowed_actions(current: str, *, roles: set[str]) -> list[TicketAction]:
    """The actions a person with `roles` may take now (for buttons and the API)."""
    return TABLE.allowed_actions(current, may=lambda rule: bool(roles & rule.roles))


def is_open(status: str) -> bool:
    """An open case still needs work (SLA clocks may run)."""
    return status in OPEN_STATES


def sla_paused(status: str) -> bool:
    """Waiting for parts or for the customer pauses the SLA clocks (not legal day counts)."""
    return status in PAUSED_STATES


# --- Recourse claims (domain §6 "Recourse claim") -----------------------------------------
#
#     draft → ready → submitted → acknowledged → negotiating
#     submitted | acknowledged | negotiating → settled_full | settled_partial | rejected
#     rejected | settled_partial → escalated
#     settled_full | settled_partial | rejected | escalated → closed
#     any state with money still open → written_off   (a manager, with a reason)
#
# The table below is the only place the edges live: services check it, pages draw their
# buttons and the API answers 409 from it. RecourseClaim.Status is ClaimStatus.


class ClaimStatus(models.TextChoices):
    """Where a recourse claim is in its lifecycle."""

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


class ClaimAction(models.TextChoices):
    """Named steps of a recourse claim (API action names and buttons)."""

    READY = "ready", pgettext_lazy("claim", "Mark ready")
    SUBMIT = "submit", pgettext_lazy("claim", "Submit to the party")
    ACKNOWLEDGE = "acknowledge", pgettext_lazy("claim", "Party acknowledged")
    NEGOTIATE = "negotiate", pgettext_lazy("claim", "Negotiate")
    SETTLE = "settle", pgettext_lazy("claim", "Settle")
    REJECT = "reject", pgettext_lazy("claim", "Rejected by the party")
    ESCALATE = "escalate", pgettext_lazy("claim", "Escalate")
    CLOSE = "close", pgettext_lazy("claim", "Close")
    WRITE_OFF = "write_off", pgettext_lazy("claim", "Write off")


CLAIM_WORKERS = permissions.CLAIM_WORKERS
CLAIM_APPROVERS = permissions.CLAIM_APPROVERS
CLAIM_FINAL_STATES = frozenset({"closed", "written_off"})
# Waiting for the other side: the response clock runs, the owner is reminded when it passes.
CLAIM_AWAITING_STATES = frozenset({"submitted", "acknowledged", "negotiating"})
# Not yet submitted: the limitation period still runs against us.
CLAIM_UNSUBMITTED_STATES = frozenset({"draft", "ready"})
# Basis, evidence and amount may change until the claim is sent.
CLAIM_EDITABLE_STATES = frozenset({"draft", "ready"})


@dataclass(frozen=True)
class ClaimRule:
    """One allowed edge of a claim: the action, the roles that may fire it, whether a
    reason is required, and the guards that must hold (run by the recourse services)."""

    action: ClaimAction
    roles: frozenset[str] = CLAIM_WORKERS
    needs_reason: bool = False
    guards: tuple[Callable[..., None], ...] = ()


def claim_ready_check(
    *, basis: str, has_evidence: bool, evidence_notes: str, amount: Decimal
) -> None:
    """A claim is ready with a basis, some evidence (files or notes) and an amount."""
    missing: dict[str, list] = {}
    if not basis.strip():
        missing["basis"] = [_("Give the law article or contract clause.")]
    if not has_evidence and not evidence_notes.strip():
        missing["evidence"] = [_("Tick at least one file as evidence or describe it.")]
    if amount <= 0:
        missing["amount"] = [_("The amount must be more than zero.")]
    if missing:
        raise ValidationError(missing)


def claim_ready_guard(claim: Any, *, has_evidence: Callable[[], bool], **facts) -> None:
    """Marking a claim ready needs its basis, evidence and amount (claim_ready_check)."""
    claim_ready_check(
        basis=claim.basis,
        has_evidence=has_evidence(),
        evidence_notes=claim.evidence_notes,
        amount=claim.amount,
    )


_SETTLE = {
    "settled_full": ClaimRule(ClaimAction.SETTLE),
    "settled_partial": ClaimRule(ClaimAction.SETTLE),
    "rejected": ClaimRule(ClaimAction.REJECT, needs_reason=True),
}
_WRITE_OFF = {
    "written_off": ClaimRule(
        ClaimAction.WRITE_OFF, roles=CLAIM_APPROVERS, needs_reason=True
    )
}
_CLOSE = {"closed": ClaimRule(ClaimAction.CLOSE)}

CLAIM_TRANSITIONS: dict[str, dict[str, ClaimRule]] = {
    "draft": {
        "ready": ClaimRule(ClaimAction.READY, guards=(claim_ready_guard,)),
        **_WRITE_OFF,
    },
    "ready": {"submitted": ClaimRule(ClaimAction.SUBMIT), **_WRITE_OFF},
    "submitted": {
        "acknowledged": ClaimRule(ClaimAction.ACKNOWLEDGE),
        **_SETTLE,
        **_WRITE_OFF,
    },
    "acknowledged": {
        "negotiating": ClaimRule(ClaimAction.NEGOTIATE),
        **_SETTLE,
        **_WRITE_OFF,
    },
    "negotiating": {**_SETTLE, **_WRITE_OFF},
    # Recovered in full: nothing is left to write off.
    "settled_full": {**_CLOSE},
    "settled_partial": {
        "escalated": ClaimRule(ClaimAction.ESCALATE),
        **_CLOSE,
        **_WRITE_OFF,
    },
    "rejected": {
        "escalated": ClaimRule(ClaimAction.ESCALATE),
        **_CLOSE,
        **_WRITE_OFF,
    },
    "escalated": {**_CLOSE, **_WRITE_OFF},
    "closed": {},
    "written_off": {},
}


CLAIM_TABLE = Table(
    edges=CLAIM_TRANSITIONS,
    state_label=labeller(ClaimStatus),
    action_label=labeller(ClaimAction),
    no_edge=_("A claim that is %(current)s cannot become %(target)s."),
    not_possible=_("“%(action)s” is not possible for a claim that is %(current)s."),
)


def claim_targets(current: str, action: str, *, label: str = "") -> list[str]:
    """Where `action` may lead from `current` (settle has two targets, chosen by the
    amount recovered); InvalidTransition when the action is not possible now (`label`:
    the status as the message should name it)."""
    return CLAIM_TABLE.targets_of(current, action, label=label)


def claim_check(current: str, target: str, *, roles: set[str] | None) -> ClaimRule:
    """Raise InvalidTransition unless current → target is an edge, ActionForbidden unless
    `roles` may fire it (`roles=None`: the system is acting)."""
    return CLAIM_TABLE.check(current, target, roles=roles)


def claim_allowed_actions(status: str, roles: set[str]) -> list[ClaimAction]:
    """The claim actions a person with `roles` may take now (buttons and the API), each
    once, in the table's order."""
    return CLAIM_TABLE.allowed_actions(
        status, may=lambda rule: bool(roles & rule.roles)
    )


def claim_is_open(status: str) -> bool:
    """A claim that is neither closed nor written off may still change."""
    return status not in CLAIM_FINAL_STATES


def claim_is_editable(status: str) -> bool:
    """Basis, evidence and amount may change (draft or ready)."""
    return status in CLAIM_EDITABLE_STATES
