"""The one status-table engine (aftersales/workflow.py): rule lookup, refused edges and
roles with their messages, targets of an action, allowed actions, guards run in order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.workflow import Table, run_guards


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[str] = frozenset({"clerk"})


TABLE = Table(
    edges={
        "open": {"done": Rule("finish"), "void": Rule("cancel", frozenset({"boss"}))},
        "done": {"open": Rule("reopen"), "archived": Rule("reopen")},
        "void": {},
    },
    state_label=str.upper,
    action_label=str.title,
    no_edge="%(current)s never becomes %(target)s",
    not_possible="%(action)s is not possible when %(current)s",
)


def test_the_rule_of_an_edge_is_found():
    assert TABLE.rule_for("open", "done") == Rule("finish")


def test_an_edge_the_table_lacks_is_refused_naming_both_states():
    with pytest.raises(InvalidTransition, match="VOID never becomes OPEN"):
        TABLE.rule_for("void", "open")


def test_an_action_not_possible_now_is_refused_naming_it():
    with pytest.raises(InvalidTransition, match="Finish is not possible when VOID"):
        TABLE.targets_of("void", "finish")
    with pytest.raises(InvalidTransition, match="when voided"):
        TABLE.targets_of("void", "finish", label="voided")


def test_an_action_may_have_several_targets_in_table_order():
    assert TABLE.targets_of("done", "reopen") == ["open", "archived"]


def test_a_role_that_may_not_fire_the_edge_is_refused():
    with pytest.raises(ActionForbidden, match="Cancel"):
        TABLE.check("open", "void", roles={"clerk"})
    assert TABLE.check("open", "void", roles={"boss"}) == Rule(
        "cancel", frozenset({"boss"})
    )


def test_the_system_may_fire_any_edge():
    assert TABLE.check("open", "void", roles=None).action == "cancel"


def test_allowed_actions_are_filtered_and_listed_once():
    assert TABLE.allowed_actions("open", may=lambda r: "clerk" in r.roles) == ["finish"]
    assert TABLE.allowed_actions("done", may=lambda r: True) == ["reopen"]
    assert TABLE.allowed_actions("void", may=lambda r: True) == []


def test_every_edge_is_listed():
    assert {(a, b) for a, b, _rule in TABLE.pairs()} == {
        ("open", "done"), ("open", "void"), ("done", "open"), ("done", "archived"),
    }  # fmt: skip


def test_guards_run_in_order_and_the_first_refusal_stops():
    seen = []

    def first(obj, **facts):
        seen.append(("first", obj, facts["now"]))

    def refuses(obj, **facts):
        seen.append(("refuses", obj, facts["now"]))
        raise ValidationError({"field": ["not yet"]})

    def never(obj, **facts):
        seen.append(("never", obj, facts["now"]))

    with pytest.raises(ValidationError):
        run_guards((first, refuses, never), "case", now=1)
    assert seen == [("first", "case", 1), ("refuses", "case", 1)]
