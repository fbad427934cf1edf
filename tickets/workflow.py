"""The ticket lifecycle (domain §6): statuses, the one transition table, who may fire each
edge, and pure predicates. No database access.

    new → acknowledged → in_progress ⇄ waiting_parts | waiting_customer
    acknowledged | in_progress → resolved → awaiting_follow_up → closed
    awaiting_follow_up → reopened → in_progress   (dissatisfied follow-up)
    closed → reopened                               (same fault within the reopen window)
    any open state → cancelled | duplicate          (with a reason)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.roles import Role


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
STAFF = frozenset(
    {Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}
)
WORKERS = frozenset({Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})
CLOSERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.FOLLOWUP_AGENT, Role.MANAGER})
LEADS = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})

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
    and which guard (services.py checks it) must hold."""

    action: TicketAction
    roles: frozenset[str] = frozenset()
    pauses_sla: bool = False
    needs_note: bool = False
    guard: str = ""


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
        S.RESOLVED: Rule(A.RESOLVE, WORKERS | LEADS, guard="resolution"),
        **_end(),
    },
    S.IN_PROGRESS: {
        S.WAITING_PARTS: Rule(A.PAUSE_PARTS, WORKERS | LEADS, pauses_sla=True),
        S.WAITING_CUSTOMER: Rule(A.PAUSE_CUSTOMER, WORKERS | LEADS, pauses_sla=True),
        S.RESOLVED: Rule(A.RESOLVE, WORKERS | LEADS, guard="resolution"),
        **_end(),
    },
    S.WAITING_PARTS: {S.IN_PROGRESS: Rule(A.RESUME, WORKERS | LEADS), **_end()},
    S.WAITING_CUSTOMER: {S.IN_PROGRESS: Rule(A.RESUME, WORKERS | LEADS), **_end()},
    S.RESOLVED: {
        S.AWAITING_FOLLOW_UP: Rule(A.AWAIT_FOLLOW_UP),
        # Types the standard does not follow up (e.g. consultations) close from here.
        S.CLOSED: Rule(A.CLOSE, CLOSERS, guard="follow_up"),
    },
    S.AWAITING_FOLLOW_UP: {
        S.CLOSED: Rule(A.CLOSE, CLOSERS, guard="follow_up"),
        S.REOPENED: Rule(A.REOPEN, CLOSERS | LEADS, needs_note=True),
    },
    S.REOPENED: {S.IN_PROGRESS: Rule(A.START, STAFF), **_end()},
    S.CLOSED: {
        S.REOPENED: Rule(
            A.REOPEN, CLOSERS | LEADS, needs_note=True, guard="reopen_window"
        )
    },
    S.CANCELLED: {},
    S.DUPLICATE: {},
}


def rule_for(current: str, target: str) -> Rule:
    """The rule of current → target; InvalidTransition when there is none."""
    rule = TRANSITIONS.get(TicketStatus(current), {}).get(TicketStatus(target))
    if rule is None:
        raise InvalidTransition(
            _("A case that is %(current)s cannot become %(target)s.")
            % {
                "current": TicketStatus(current).label,
                "target": TicketStatus(target).label,
            }
        )
    return rule


def target_of(current: str, action: str) -> TicketStatus:
    """Where `action` leads from `current`; InvalidTransition when it is not allowed."""
    for target, rule in TRANSITIONS.get(TicketStatus(current), {}).items():
        if rule.action == action:
            return target
    label = TicketAction(action).label if action in TicketAction.values else action
    raise InvalidTransition(
        _("“%(action)s” is not possible for a case that is %(current)s.")
        % {"action": label, "current": TicketStatus(current).label}
    )


def check(current: str, target: str, *, roles: set[str] | None) -> Rule:
    """Raise InvalidTransition unless the edge exists, ActionForbidden unless `roles` may
    fire it (`roles=None`: the system is acting)."""
    rule = rule_for(current, target)
    if roles is not None and not roles & rule.roles:
        raise ActionForbidden(
            _("Your role does not allow “%(action)s”.") % {"action": rule.action.label}
        )
    return rule


def allowed_actions(current: str, *, roles: set[str]) -> list[TicketAction]:
    """The actions a person with `roles` may take now (for buttons and the API)."""
    return [
        rule.action
        for rule in TRANSITIONS.get(TicketStatus(current), {}).values()
        if roles & rule.roles
    ]


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
# Statuses are the values of tickets.models.RecourseClaim.Status (this module cannot import
# the models); the table below is the only place the edges live: services check it, pages
# draw their buttons and the API answers 409 from it.


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


CLAIM_WORKERS = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN}
)
CLAIM_APPROVERS = frozenset({Role.MANAGER, Role.ADMIN})
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
    reason is required, and which guard (services/recourse.py checks it) must hold."""

    action: ClaimAction
    roles: frozenset[str] = CLAIM_WORKERS
    needs_reason: bool = False
    guard: str = ""


_SETTLE = {
    "settled_full": ClaimRule(ClaimAction.SETTLE, guard="settlement"),
    "settled_partial": ClaimRule(ClaimAction.SETTLE, guard="settlement"),
    "rejected": ClaimRule(ClaimAction.REJECT, needs_reason=True),
}
_WRITE_OFF = {
    "written_off": ClaimRule(
        ClaimAction.WRITE_OFF, roles=CLAIM_APPROVERS, needs_reason=True
    )
}
_CLOSE = {"closed": ClaimRule(ClaimAction.CLOSE)}

CLAIM_TRANSITIONS: dict[str, dict[str, ClaimRule]] = {
    "draft": {"ready": ClaimRule(ClaimAction.READY, guard="ready"), **_WRITE_OFF},
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


def claim_targets(current: str, action: str, *, label: str = "") -> list[str]:
    """Where `action` may lead from `current` (settle has two targets, chosen by the
    amount recovered); InvalidTransition when the action is not possible now (`label`:
    the status as the message should name it)."""
    targets = [
        target
        for target, rule in CLAIM_TRANSITIONS.get(current, {}).items()
        if rule.action == action
    ]
    if not targets:
        action_label = (
            ClaimAction(action).label if action in ClaimAction.values else action
        )
        raise InvalidTransition(
            _("“%(action)s” is not possible for a claim that is %(current)s.")
            % {"action": action_label, "current": label or current}
        )
    return targets


def claim_check(current: str, target: str, *, roles: set[str] | None) -> ClaimRule:
    """Raise InvalidTransition unless current → target is an edge, ActionForbidden unless
    `roles` may fire it (`roles=None`: the system is acting)."""
    rule = CLAIM_TRANSITIONS.get(current, {}).get(target)
    if rule is None:
        raise InvalidTransition(
            _("A claim that is %(current)s cannot become %(target)s.")
            % {"current": current, "target": target}
        )
    if roles is not None and not roles & rule.roles:
        raise ActionForbidden(
            _("Your role does not allow “%(action)s”.") % {"action": rule.action.label}
        )
    return rule


def claim_allowed_actions(status: str, roles: set[str]) -> list[ClaimAction]:
    """The claim actions a person with `roles` may take now (buttons and the API), each
    once, in the table's order."""
    actions: list[ClaimAction] = []
    for rule in CLAIM_TRANSITIONS.get(status, {}).values():
        if roles & rule.roles and rule.action not in actions:
            actions.append(rule.action)
    return actions


def claim_is_open(status: str) -> bool:
    """A claim that is neither closed nor written off may still change."""
    return status not in CLAIM_FINAL_STATES


def claim_is_editable(status: str) -> bool:
    """Basis, evidence and amount may change (draft or ready)."""
    return status in CLAIM_EDITABLE_STATES
