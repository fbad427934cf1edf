"""Lifecycle of a standard version (domain §4): the one transition table, who may fire each
edge, and pure predicates. No database access here.

    draft → in_review → approved → effective → superseded
      ↑________↓ (returned)                  ↘ withdrawn (from any state but superseded)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.exceptions import ActionForbidden
from aftersales.permissions import STANDARD_APPROVERS
from aftersales.workflow import Table, labeller


class VersionStatus(models.TextChoices):
    """Where a standard version is in its lifecycle."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    EFFECTIVE = "effective", _("Effective")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VersionAction(models.TextChoices):
    """The named actions that move a version (API action names)."""

    SUBMIT = "submit", _("Submit for review")
    RETURN = "return", _("Return to draft")
    APPROVE = "approve", _("Approve")
    ACTIVATE = "activate", _("Make effective")
    SUPERSEDE = "supersede", _("Supersede")
    WITHDRAW = "withdraw", _("Withdraw")


APPROVERS = STANDARD_APPROVERS  # the rule lives in aftersales.permissions


@dataclass(frozen=True)
class Rule:
    """One allowed edge: its action, the roles that may fire it (empty: only the system),
    whether the version's author may fire it without such a role, and whether the author is
    barred from it (four-eyes approval)."""

    action: VersionAction
    roles: frozenset[str] = frozenset()
    author_may: bool = False
    author_barred: bool = False

    @property
    def system_only(self) -> bool:
        """Fired by scheduled jobs and services only, never by a person directly."""
        return not self.roles and not self.author_may


S = VersionStatus
TRANSITIONS: dict[VersionStatus, dict[VersionStatus, Rule]] = {
    S.DRAFT: {
        S.IN_REVIEW: Rule(VersionAction.SUBMIT, APPROVERS, author_may=True),
        S.WITHDRAWN: Rule(VersionAction.WITHDRAW, APPROVERS, author_may=True),
    },
    S.IN_REVIEW: {
        S.APPROVED: Rule(VersionAction.APPROVE, APPROVERS, author_barred=True),
        S.DRAFT: Rule(VersionAction.RETURN, APPROVERS),
        S.WITHDRAWN: Rule(VersionAction.WITHDRAW, APPROVERS, author_may=True),
    },
    S.APPROVED: {
        S.EFFECTIVE: Rule(VersionAction.ACTIVATE),
        S.WITHDRAWN: Rule(VersionAction.WITHDRAW, APPROVERS),
    },
    S.EFFECTIVE: {
        S.SUPERSEDED: Rule(VersionAction.SUPERSEDE),
        S.WITHDRAWN: Rule(VersionAction.WITHDRAW, APPROVERS),
    },
    S.SUPERSEDED: {},
    S.WITHDRAWN: {},
}

EDITABLE_STATES = frozenset({S.DRAFT})


TABLE = Table(
    edges=TRANSITIONS,
    state_label=labeller(VersionStatus),
    action_label=labeller(VersionAction),
    no_edge=_("A version that is %(current)s cannot become %(target)s."),
    not_possible=_("“%(action)s” is not possible for a version that is %(current)s."),
)


def rule_for(current: str, target: str) -> Rule:
    """The rule of the edge current → target; InvalidTransition when there is none."""
    return TABLE.rule_for(current, target)


def target_of(current: str, action: str) -> VersionStatus:
    """The state `action` leads to from `current`; InvalidTransition when not allowed."""
    return TABLE.targets_of(current, action)[0]


def may_fire(rule: Rule, *, roles: set[str], is_author: bool) -> bool:
    """Whether a person with `roles` (the version's author or not) may fire `rule`."""
    if rule.system_only:
        return False
    if is_author and rule.author_barred:
        return False
    return bool(roles & rule.roles) or (is_author and rule.author_may)


def check(
    current: str, target: str, *, roles: set[str] | None, is_author: bool = False
) -> Rule:
    """Raise InvalidTransition unless current → target exists, and ActionForbidden unless
    the actor may fire it.

    `roles=None` means the system (scheduled job or service) is acting.
    """
    rule = rule_for(current, target)
    if roles is None:
        return rule
    if not may_fire(rule, roles=roles, is_author=is_author):
        if is_author and rule.author_barred:
            raise ActionForbidden(
                _("The author cannot approve their own version: another quality manager or "
                  "a manager must approve it.")
            )  # fmt: skip
        if rule.system_only:
            raise ActionForbidden(
                _("This step happens automatically on the version's effective date.")
            )
        raise ActionForbidden(_("Your role does not allow this step."))
    return rule


def allowed_actions(
    current: str, *, roles: set[str], is_author: bool
) -> list[VersionAction]:
    """The actions a person may take on a version in `current` state (for buttons)."""
    return TABLE.allowed_actions(
        current, may=lambda rule: may_fire(rule, roles=roles, is_author=is_author)
    )


def is_editable(status: str) -> bool:
    """Only drafts are edited; an effective version is never changed."""
    return status in EDITABLE_STATES
