"""The ticket lifecycle (tickets/workflow.py): the whole transition table, who may fire each
edge, system-only edges, the buttons a person is offered and the status predicates. Pure: no
database."""

from __future__ import annotations

import pytest

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.roles import Role
from tickets import workflow
from tickets.workflow import TicketAction, TicketStatus

S = TicketStatus
A = TicketAction
R = Role
ALL_ROLES = frozenset(Role.values)
STAFF = frozenset({R.AGENT, R.TECHNICIAN, R.SUPERVISOR, R.MANAGER, R.ADMIN})
CLOSERS = frozenset({R.AGENT, R.SUPERVISOR, R.FOLLOWUP_AGENT, R.MANAGER})
REOPENERS = CLOSERS | {R.ADMIN}
OPEN = [
    S.NEW,
    S.ACKNOWLEDGED,
    S.IN_PROGRESS,
    S.WAITING_PARTS,
    S.WAITING_CUSTOMER,
    S.REOPENED,
]

# Written out from domain §6, independently of workflow.TRANSITIONS:
# (from, to): (action, the roles that may fire it; empty = the system only).
EXPECTED_EDGES = {
    (S.NEW, S.ACKNOWLEDGED): (A.ACKNOWLEDGE, STAFF),
    (S.ACKNOWLEDGED, S.IN_PROGRESS): (A.START, STAFF),
    (S.ACKNOWLEDGED, S.RESOLVED): (A.RESOLVE, STAFF),
    (S.IN_PROGRESS, S.WAITING_PARTS): (A.PAUSE_PARTS, STAFF),
    (S.IN_PROGRESS, S.WAITING_CUSTOMER): (A.PAUSE_CUSTOMER, STAFF),
    (S.IN_PROGRESS, S.RESOLVED): (A.RESOLVE, STAFF),
    (S.WAITING_PARTS, S.IN_PROGRESS): (A.RESUME, STAFF),
    (S.WAITING_CUSTOMER, S.IN_PROGRESS): (A.RESUME, STAFF),
    (S.RESOLVED, S.AWAITING_FOLLOW_UP): (A.AWAIT_FOLLOW_UP, frozenset()),
    (S.RESOLVED, S.CLOSED): (A.CLOSE, CLOSERS),
    (S.AWAITING_FOLLOW_UP, S.CLOSED): (A.CLOSE, CLOSERS),
    (S.AWAITING_FOLLOW_UP, S.REOPENED): (A.REOPEN, REOPENERS),
    (S.REOPENED, S.IN_PROGRESS): (A.START, STAFF),
    (S.CLOSED, S.REOPENED): (A.REOPEN, REOPENERS),
    **{(state, S.CANCELLED): (A.CANCEL, STAFF) for state in OPEN},
    **{(state, S.DUPLICATE): (A.MARK_DUPLICATE, STAFF) for state in OPEN},
}
PERSON_EDGES = [pair for pair, (_, roles) in EXPECTED_EDGES.items() if roles]
SYSTEM_EDGES = [pair for pair, (_, roles) in EXPECTED_EDGES.items() if not roles]
ALL_PAIRS = [(current, target) for current in S for target in S]
FORBIDDEN_PAIRS = [pair for pair in ALL_PAIRS if pair not in EXPECTED_EDGES]
# Every (edge, role) pair of a person's edge that the role may not fire.
REFUSED_ROLES = [
    (pair, role)
    for pair in PERSON_EDGES
    for role in sorted(ALL_ROLES - EXPECTED_EDGES[pair][1])
]


def pair_id(pair) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def test_table_has_exactly_the_expected_edges_and_roles():
    table = {
        (current, target): (rule.action, rule.roles)
        for current, targets in workflow.TRANSITIONS.items()
        for target, rule in targets.items()
    }
    assert table == EXPECTED_EDGES
    assert set(workflow.TRANSITIONS) == set(S)


def test_every_pair_is_either_an_edge_or_forbidden():
    assert len(ALL_PAIRS) == 121
    assert len(EXPECTED_EDGES) == 26
    assert len(FORBIDDEN_PAIRS) == 95


@pytest.mark.parametrize("pair", PERSON_EDGES, ids=pair_id)
def test_allowed_edge_passes_for_every_role_in_its_rule(pair):
    action, roles = EXPECTED_EDGES[pair]
    for role in sorted(roles):
        rule = workflow.check(pair[0], pair[1], roles={role})
        assert rule.action == action


@pytest.mark.parametrize("pair", list(EXPECTED_EDGES), ids=pair_id)
def test_allowed_edge_passes_for_the_system(pair):
    assert (
        workflow.check(pair[0], pair[1], roles=None).action == EXPECTED_EDGES[pair][0]
    )


@pytest.mark.parametrize("pair", list(EXPECTED_EDGES), ids=pair_id)
def test_target_of_finds_the_edge_of_an_action(pair):
    action, _ = EXPECTED_EDGES[pair]
    assert workflow.target_of(pair[0], action) == pair[1]


@pytest.mark.parametrize("pair", FORBIDDEN_PAIRS, ids=pair_id)
def test_every_other_pair_raises_invalid_transition(pair):
    with pytest.raises(InvalidTransition) as excinfo:
        workflow.check(pair[0], pair[1], roles=set(ALL_ROLES))
    assert type(excinfo.value) is InvalidTransition
    assert str(excinfo.value) == (
        f"A case that is {pair[0].label} cannot become {pair[1].label}."
    )
    with pytest.raises(InvalidTransition):
        workflow.check(pair[0], pair[1], roles=None)


@pytest.mark.parametrize(
    ("pair", "role"),
    REFUSED_ROLES,
    ids=[f"{pair_id(pair)}-{role}" for pair, role in REFUSED_ROLES],
)
def test_a_role_outside_the_rule_is_forbidden(pair, role):
    with pytest.raises(ActionForbidden) as excinfo:
        workflow.check(pair[0], pair[1], roles={role})
    action = EXPECTED_EDGES[pair][0]
    assert str(excinfo.value) == f"Your role does not allow “{action.label}”."


def test_a_technician_cannot_close():
    for current in (S.RESOLVED, S.AWAITING_FOLLOW_UP):
        with pytest.raises(ActionForbidden):
            workflow.check(current, S.CLOSED, roles={R.TECHNICIAN})


def test_a_follow_up_agent_cannot_acknowledge_but_may_close():
    with pytest.raises(ActionForbidden):
        workflow.check(S.NEW, S.ACKNOWLEDGED, roles={R.FOLLOWUP_AGENT})
    rule = workflow.check(S.AWAITING_FOLLOW_UP, S.CLOSED, roles={R.FOLLOWUP_AGENT})
    assert rule.action == A.CLOSE


def test_a_person_without_roles_is_forbidden_everywhere():
    for current, target in EXPECTED_EDGES:
        with pytest.raises(ActionForbidden):
            workflow.check(current, target, roles=set())


@pytest.mark.parametrize("pair", SYSTEM_EDGES, ids=pair_id)
def test_system_edge_refuses_every_person(pair):
    assert pair == (S.RESOLVED, S.AWAITING_FOLLOW_UP)
    for role in sorted(ALL_ROLES):
        with pytest.raises(ActionForbidden):
            workflow.check(pair[0], pair[1], roles={role})
    with pytest.raises(ActionForbidden):
        workflow.check(pair[0], pair[1], roles=set(ALL_ROLES))
    assert workflow.check(pair[0], pair[1], roles=None).action == A.AWAIT_FOLLOW_UP


@pytest.mark.parametrize("state", OPEN, ids=lambda s: s.value)
def test_cancel_and_duplicate_from_every_open_state_need_a_note(state):
    for target in (S.CANCELLED, S.DUPLICATE):
        rule = workflow.check(state, target, roles={R.AGENT})
        assert rule.needs_note is True
        assert rule.pauses_sla is False


def test_only_cancel_duplicate_and_reopen_need_a_note():
    needing = {
        (current, target)
        for current, targets in workflow.TRANSITIONS.items()
        for target, rule in targets.items()
        if rule.needs_note
    }
    assert needing == {
        *((state, S.CANCELLED) for state in OPEN),
        *((state, S.DUPLICATE) for state in OPEN),
        (S.AWAITING_FOLLOW_UP, S.REOPENED),
        (S.CLOSED, S.REOPENED),
    }


def test_only_the_waiting_edges_pause_the_clocks():
    pausing = {
        (current, target)
        for current, targets in workflow.TRANSITIONS.items()
        for target, rule in targets.items()
        if rule.pauses_sla
    }
    assert pausing == {
        (S.IN_PROGRESS, S.WAITING_PARTS),
        (S.IN_PROGRESS, S.WAITING_CUSTOMER),
    }


def test_guards_sit_on_resolve_close_and_reopen_from_closed():
    guards = {
        (current, target): rule.guards
        for current, targets in workflow.TRANSITIONS.items()
        for target, rule in targets.items()
        if rule.guards
    }
    assert guards == {
        (S.ACKNOWLEDGED, S.RESOLVED): (workflow.resolution_guard,),
        (S.IN_PROGRESS, S.RESOLVED): (workflow.resolution_guard,),
        (S.RESOLVED, S.CLOSED): (workflow.follow_up_guard,),
        (S.AWAITING_FOLLOW_UP, S.CLOSED): (workflow.follow_up_guard,),
        (S.CLOSED, S.REOPENED): (workflow.reopen_window_guard,),
    }


def test_target_of_refuses_an_action_the_state_does_not_have():
    with pytest.raises(InvalidTransition) as excinfo:
        workflow.target_of(S.NEW, A.CLOSE)
    assert str(excinfo.value) == "“Close” is not possible for a case that is New."
    with pytest.raises(InvalidTransition) as excinfo:
        workflow.target_of(S.IN_PROGRESS, "fly")
    assert str(excinfo.value) == "“fly” is not possible for a case that is In progress."


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        (S.NEW, {R.AGENT}, [A.ACKNOWLEDGE, A.CANCEL, A.MARK_DUPLICATE]),
        (S.NEW, {R.FOLLOWUP_AGENT}, []),
        (S.NEW, {R.CUSTOMER}, []),
        (S.NEW, {R.QUALITY_MANAGER}, []),
        (
            S.ACKNOWLEDGED,
            {R.TECHNICIAN},
            [A.START, A.RESOLVE, A.CANCEL, A.MARK_DUPLICATE],
        ),
        (
            S.IN_PROGRESS,
            {R.SUPERVISOR},
            [A.PAUSE_PARTS, A.PAUSE_CUSTOMER, A.RESOLVE, A.CANCEL, A.MARK_DUPLICATE],
        ),
        (S.WAITING_PARTS, {R.TECHNICIAN}, [A.RESUME, A.CANCEL, A.MARK_DUPLICATE]),
        (S.RESOLVED, {R.AGENT}, [A.CLOSE]),
        (S.RESOLVED, {R.TECHNICIAN}, []),
        (S.RESOLVED, set(ALL_ROLES), [A.CLOSE]),
        (S.AWAITING_FOLLOW_UP, {R.FOLLOWUP_AGENT}, [A.CLOSE, A.REOPEN]),
        (S.AWAITING_FOLLOW_UP, {R.ADMIN}, [A.REOPEN]),
        (S.AWAITING_FOLLOW_UP, {R.TECHNICIAN}, []),
        (S.REOPENED, {R.AGENT}, [A.START, A.CANCEL, A.MARK_DUPLICATE]),
        (S.CLOSED, {R.MANAGER}, [A.REOPEN]),
        (S.CLOSED, {R.TECHNICIAN}, []),
        (S.CANCELLED, set(ALL_ROLES), []),
        (S.DUPLICATE, set(ALL_ROLES), []),
    ],
    ids=lambda value: "-".join(sorted(value)) if isinstance(value, set) else None,
)
def test_allowed_actions_are_the_buttons_a_person_gets(state, roles, expected):
    assert workflow.allowed_actions(state, roles=roles) == expected


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_allowed_actions_match_the_table_for_every_role(state):
    for role in sorted(ALL_ROLES):
        expected = {
            action
            for (current, _), (action, roles) in EXPECTED_EDGES.items()
            if current == state and role in roles
        }
        assert set(workflow.allowed_actions(state, roles={role})) == expected


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_is_open_for_exactly_the_open_states(state):
    assert workflow.is_open(state) is (state in OPEN)
    assert workflow.is_open(state.value) is (state in OPEN)


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_sla_paused_only_while_waiting(state):
    expected = state in {S.WAITING_PARTS, S.WAITING_CUSTOMER}
    assert workflow.sla_paused(state) is expected
    assert workflow.sla_paused(state.value) is expected


def test_final_states_have_no_way_out_but_closed_reopens():
    assert workflow.TRANSITIONS[S.CANCELLED] == {}
    assert workflow.TRANSITIONS[S.DUPLICATE] == {}
    assert list(workflow.TRANSITIONS[S.CLOSED]) == [S.REOPENED]
