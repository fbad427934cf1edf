"""Lifecycle of a feedback item (domain §7) on the shared table engine:

    new → triaged;  new | triaged → answered | actioned | no_action

Who may act is checked by the services (any staff member); the table says which moves
exist. Pure: no database access."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from aftersales.workflow import Table, labeller
from feedback.models.voice import FeedbackItem

S = FeedbackItem.Status


@dataclass(frozen=True)
class Rule:
    """One allowed move of a feedback item (staff only: the services check it)."""

    action: str
    roles: frozenset[str] = frozenset()


_CLOSE = {
    S.ANSWERED: Rule("answer"),
    S.ACTIONED: Rule("actioned"),
    S.NO_ACTION: Rule("no_action"),
}
TRANSITIONS: dict[str, dict[str, Rule]] = {
    S.NEW: {S.TRIAGED: Rule("triage"), **_CLOSE},
    S.TRIAGED: {**_CLOSE},
    S.ANSWERED: {},
    S.ACTIONED: {},
    S.NO_ACTION: {},
}
TABLE = Table(
    edges=TRANSITIONS,
    state_label=labeller(S),
    action_label=str,
    no_edge=_("This feedback item is %(current)s."),
    not_possible=_("This feedback item is %(current)s."),
)
