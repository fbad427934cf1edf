"""The one status-table engine (style.md B.3): each lifecycle (cases, recourse claims,
standard versions) is a table `{from: {to: rule}}` of the allowed edges, and this engine
answers what the services, the pages and the API ask of it. Pure Python, no database: a
rule's guards are functions the caller runs with the facts it supplies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from aftersales.exceptions import ActionForbidden, InvalidTransition


class EdgeRule(Protocol):
    """What the engine needs of a table's rule: the action that fires the edge and the
    roles that may fire it (empty: only the system)."""

    action: Any
    roles: frozenset[str]


@dataclass(frozen=True)
class Table:
    """A lifecycle's edges and how to name its states and actions in messages.

    `no_edge` names an edge that does not exist (%(current)s, %(target)s) and
    `not_possible` an action not possible now (%(action)s, %(current)s)."""

    edges: Mapping[Any, Mapping[Any, EdgeRule]]
    state_label: Callable[[str], str]
    action_label: Callable[[str], str]
    no_edge: str
    not_possible: str

    def rule_for(self, current: str, target: str) -> EdgeRule:
        """The rule of current → target; InvalidTransition when there is none."""
        rule = self.edges.get(current, {}).get(target)
        if rule is None:
            raise InvalidTransition(
                self.no_edge
                % {
                    "current": self.state_label(current),
                    "target": self.state_label(target),
                }
            )
        return rule

    def targets_of(self, current: str, action: str, *, label: str = "") -> list[Any]:
        """Where `action` may lead from `current`, in the table's order (an action may
        have several targets, chosen by the service); InvalidTransition when none.
        `label` overrides how the message names the current state."""
        targets = [
            target
            for target, rule in self.edges.get(current, {}).items()
            if rule.action == action
        ]
        if not targets:
            raise InvalidTransition(
                self.not_possible
                % {
                    "action": self.action_label(action),
                    "current": label or self.state_label(current),
                }
            )
        return targets

    def check(self, current: str, target: str, *, roles: set[str] | None) -> EdgeRule:
        """The rule of current → target if `roles` may fire it (`roles=None`: the system
        is acting); InvalidTransition or ActionForbidden otherwise."""
        rule = self.rule_for(current, target)
        if roles is not None and not roles & rule.roles:
            raise ActionForbidden(
                _("Your role does not allow “%(action)s”.")
                % {"action": self.action_label(rule.action)}
            )
        return rule

    def allowed_actions(
        self, current: str, *, may: Callable[[EdgeRule], bool]
    ) -> list[Any]:
        """The actions from `current` whose rule `may` allows, each once, in order."""
        actions: list[Any] = []
        for rule in self.edges.get(current, {}).values():
            if may(rule) and rule.action not in actions:
                actions.append(rule.action)
        return actions

    def pairs(self) -> Iterable[tuple[Any, Any, EdgeRule]]:
        """Every edge as (from, to, rule): for tests and documentation."""
        for current, targets in self.edges.items():
            for target, rule in targets.items():
                yield current, target, rule


def run_guards(guards: Iterable[Callable[..., None]], obj: Any, **facts: Any) -> None:
    """Run a rule's guards in order; each raises (ValidationError, DomainError) when the
    object may not move yet."""
    for guard in guards:
        guard(obj, **facts)


def labeller(choices: Any) -> Callable[[str], str]:
    """A function naming a value of a TextChoices class by its label (the value itself
    when it is not one of the choices)."""

    def label(value: str) -> str:
        return str(choices(value).label) if value in choices.values else str(value)

    return label
