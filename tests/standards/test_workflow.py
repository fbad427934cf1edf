"""The lifecycle of a standard version (standards/workflow.py): the whole transition table, who
may fire each edge, and the buttons a person is offered. Pure: no database."""

from __future__ import annotations

import pytest

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.roles import Role
from standards import workflow
from standards.workflow import VersionAction, VersionStatus

S = VersionStatus
A = VersionAction
ALL_ROLES = set(Role.values)
APPROVER_ROLES = {Role.QUALITY_MANAGER, Role.MANAGER}

# Written out from domain §4, independently of workflow.TRANSITIONS:
# (from, to): (action, a person who may fire it as (roles, is_author), or None for system-only).
EXPECTED_EDGES = {
    (S.DRAFT, S.IN_REVIEW): (A.SUBMIT, ({"agent"}, True)),
    (S.DRAFT, S.WITHDRAWN): (A.WITHDRAW, ({"agent"}, True)),
    (S.IN_REVIEW, S.APPROVED): (A.APPROVE, ({"quality_manager"}, False)),
    (S.IN_REVIEW, S.DRAFT): (A.RETURN, ({"manager"}, False)),
    (S.IN_REVIEW, S.WITHDRAWN): (A.WITHDRAW, ({"agent"}, True)),
    (S.APPROVED, S.EFFECTIVE): (A.ACTIVATE, None),
    (S.APPROVED, S.WITHDRAWN): (A.WITHDRAW, ({"manager"}, False)),
    (S.EFFECTIVE, S.SUPERSEDED): (A.SUPERSEDE, None),
    (S.EFFECTIVE, S.WITHDRAWN): (A.WITHDRAW, ({"quality_manager"}, False)),
}
ALL_PAIRS = [(current, target) for current in S for target in S]
FORBIDDEN_PAIRS = [pair for pair in ALL_PAIRS if pair not in EXPECTED_EDGES]


def pair_id(pair):
    return f"{pair[0].value}->{pair[1].value}"


def test_table_has_exactly_the_expected_edges():
    table = {
        (current, target): rule.action
        for current, targets in workflow.TRANSITIONS.items()
        for target, rule in targets.items()
    }
    assert table == {pair: action for pair, (action, _) in EXPECTED_EDGES.items()}
    assert set(workflow.TRANSITIONS) == set(S)


@pytest.mark.parametrize("pair", list(EXPECTED_EDGES), ids=pair_id)
def test_allowed_edge_succeeds_for_the_system(pair):
    rule = workflow.check(pair[0], pair[1], roles=None)
    assert rule.action == EXPECTED_EDGES[pair][0]


@pytest.mark.parametrize(
    "pair", [p for p, (_, who) in EXPECTED_EDGES.items() if who], ids=pair_id
)
def test_allowed_edge_succeeds_for_a_person_who_may_fire_it(pair):
    action, (roles, is_author) = EXPECTED_EDGES[pair]
    rule = workflow.check(
        pair[0].value, pair[1].value, roles=roles, is_author=is_author
    )
    assert rule.action == action
    assert workflow.target_of(pair[0], action) == pair[1]


@pytest.mark.parametrize("pair", FORBIDDEN_PAIRS, ids=pair_id)
def test_every_other_pair_is_refused_to_system_and_people(pair):
    current, target = pair
    with pytest.raises(InvalidTransition, match="cannot become"):
        workflow.check(current, target, roles=None)
    for is_author in (False, True):
        with pytest.raises(InvalidTransition, match="cannot become"):
            workflow.check(current, target, roles=ALL_ROLES, is_author=is_author)


def test_forbidden_pairs_cover_the_rest_of_the_square():
    assert len(ALL_PAIRS) == 36
    assert len(FORBIDDEN_PAIRS) == 36 - 9


@pytest.mark.parametrize("is_author", [False, True])
@pytest.mark.parametrize(
    "pair",
    [(S.APPROVED, S.EFFECTIVE), (S.EFFECTIVE, S.SUPERSEDED)],
    ids=pair_id,
)
def test_system_only_edges_are_refused_to_any_person(pair, is_author):
    with pytest.raises(
        ActionForbidden, match="automatically on the version's effective"
    ):
        workflow.check(pair[0], pair[1], roles=ALL_ROLES, is_author=is_author)
    assert workflow.TRANSITIONS[pair[0]][pair[1]].system_only is True


@pytest.mark.parametrize(
    ("current", "target", "roles", "is_author", "allowed"),
    [
        # The author may submit and withdraw their own draft without an approver role.
        (S.DRAFT, S.IN_REVIEW, {"agent"}, True, True),
        (S.DRAFT, S.WITHDRAWN, {"agent"}, True, True),
        (S.IN_REVIEW, S.WITHDRAWN, {"agent"}, True, True),
        # … but not someone else's.
        (S.DRAFT, S.IN_REVIEW, {"agent"}, False, False),
        (S.DRAFT, S.WITHDRAWN, {"agent"}, False, False),
        (S.IN_REVIEW, S.WITHDRAWN, {"supervisor"}, False, False),
        # Approvers may submit any draft.
        (S.DRAFT, S.IN_REVIEW, {"quality_manager"}, False, True),
        (S.DRAFT, S.IN_REVIEW, {"manager"}, False, True),
        # Four eyes: another quality manager or a manager approves.
        (S.IN_REVIEW, S.APPROVED, {"quality_manager"}, False, True),
        (S.IN_REVIEW, S.APPROVED, {"manager"}, False, True),
        (S.IN_REVIEW, S.APPROVED, {"quality_manager"}, True, False),
        (S.IN_REVIEW, S.APPROVED, {"quality_manager", "manager"}, True, False),
        (S.IN_REVIEW, S.APPROVED, {"agent"}, False, False),
        (S.IN_REVIEW, S.APPROVED, {"supervisor"}, False, False),
        (S.IN_REVIEW, S.APPROVED, {"admin"}, False, False),
        (S.IN_REVIEW, S.APPROVED, set(), False, False),
        # Returning to draft is an approver's; the author as approver may take it back.
        (S.IN_REVIEW, S.DRAFT, {"manager"}, False, True),
        (S.IN_REVIEW, S.DRAFT, {"quality_manager"}, True, True),
        (S.IN_REVIEW, S.DRAFT, {"agent"}, True, False),
        # Withdrawing an approved or effective version is an approver's, never the author's.
        (S.APPROVED, S.WITHDRAWN, {"quality_manager"}, False, True),
        (S.APPROVED, S.WITHDRAWN, {"agent"}, True, False),
        (S.EFFECTIVE, S.WITHDRAWN, {"manager"}, True, True),
        (S.EFFECTIVE, S.WITHDRAWN, {"technician"}, True, False),
    ],
)
def test_role_rules(current, target, roles, is_author, allowed):
    if allowed:
        workflow.check(current, target, roles=roles, is_author=is_author)
    else:
        with pytest.raises(ActionForbidden):
            workflow.check(current, target, roles=roles, is_author=is_author)


def test_author_who_is_quality_manager_is_told_someone_else_must_approve():
    with pytest.raises(ActionForbidden) as excinfo:
        workflow.check(
            S.IN_REVIEW, S.APPROVED, roles={"quality_manager"}, is_author=True
        )
    assert str(excinfo.value) == (
        "The author cannot approve their own version: another quality manager or a "
        "manager must approve it."
    )


def test_agent_is_told_their_role_does_not_allow_approval():
    with pytest.raises(ActionForbidden) as excinfo:
        workflow.check(S.IN_REVIEW, S.APPROVED, roles={"agent"}, is_author=False)
    assert str(excinfo.value) == "Your role does not allow this step."


@pytest.mark.parametrize(
    ("current", "action", "target"),
    [
        (S.DRAFT, A.SUBMIT, S.IN_REVIEW),
        (S.DRAFT, A.WITHDRAW, S.WITHDRAWN),
        (S.IN_REVIEW, A.APPROVE, S.APPROVED),
        (S.IN_REVIEW, A.RETURN, S.DRAFT),
        (S.APPROVED, A.ACTIVATE, S.EFFECTIVE),
        (S.EFFECTIVE, A.SUPERSEDE, S.SUPERSEDED),
        (S.EFFECTIVE, A.WITHDRAW, S.WITHDRAWN),
    ],
)
def test_target_of_names_the_state_an_action_leads_to(current, action, target):
    assert workflow.target_of(current, action.value) == target


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (S.DRAFT, A.APPROVE),
        (S.DRAFT, A.RETURN),
        (S.APPROVED, A.SUBMIT),
        (S.SUPERSEDED, A.WITHDRAW),
        (S.WITHDRAWN, A.SUBMIT),
    ],
)
def test_target_of_refuses_an_action_not_possible_in_the_state(current, action):
    with pytest.raises(
        InvalidTransition, match="is not possible for a version that is"
    ):
        workflow.target_of(current, action)


def test_target_of_refuses_an_unknown_action_as_an_invalid_transition():
    with pytest.raises(InvalidTransition):
        workflow.target_of(S.DRAFT, "publish")


@pytest.mark.parametrize(
    ("current", "roles", "is_author", "actions"),
    [
        (S.DRAFT, {"agent"}, True, [A.SUBMIT, A.WITHDRAW]),
        (S.DRAFT, {"agent"}, False, []),
        (S.DRAFT, {"manager"}, False, [A.SUBMIT, A.WITHDRAW]),
        (S.IN_REVIEW, {"quality_manager"}, False, [A.APPROVE, A.RETURN, A.WITHDRAW]),
        (S.IN_REVIEW, {"quality_manager"}, True, [A.RETURN, A.WITHDRAW]),
        (S.IN_REVIEW, {"agent"}, True, [A.WITHDRAW]),
        (S.IN_REVIEW, {"supervisor"}, False, []),
        (S.APPROVED, {"manager"}, False, [A.WITHDRAW]),
        (S.APPROVED, {"agent"}, True, []),
        (S.EFFECTIVE, {"quality_manager"}, True, [A.WITHDRAW]),
        (S.SUPERSEDED, ALL_ROLES, True, []),
        (S.WITHDRAWN, ALL_ROLES, False, []),
    ],
)
def test_allowed_actions(current, roles, is_author, actions):
    assert (
        workflow.allowed_actions(current.value, roles=roles, is_author=is_author)
        == actions
    )


def test_allowed_actions_never_offer_system_steps():
    for current in S:
        offered = workflow.allowed_actions(current, roles=ALL_ROLES, is_author=False)
        assert A.ACTIVATE not in offered
        assert A.SUPERSEDE not in offered


@pytest.mark.parametrize(("status", "editable"), [(s, s == S.DRAFT) for s in S])
def test_only_a_draft_is_editable(status, editable):
    assert workflow.is_editable(status) is editable


def test_approvers_are_quality_managers_and_managers():
    assert workflow.APPROVERS == APPROVER_ROLES
