"""Roles and permission predicates have one home, aftersales/permissions.py: every
predicate answers right for every role, the supervisor rules follow the unit tree, the
shared "who sees what" rule routes each kind of person, and no app module spells a set of
role names of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template, TemplateSyntaxError

from aftersales import permissions
from aftersales.models import Unit, User
from aftersales.roles import Role
from aftersales.services import membership_set
from tests.aftersales.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
R = Role

# Every role predicate and the roles it lets through; all other roles (and anonymous
# visitors) are refused.
ROLE_PREDICATES = {
    permissions.is_staff: {
        R.AGENT, R.TECHNICIAN, R.FOLLOWUP_AGENT, R.SUPERVISOR, R.QUALITY_MANAGER,
        R.MANAGER, R.ADMIN,
    },
    permissions.is_manager: {R.MANAGER, R.ADMIN},
    permissions.sees_company_wide: {R.MANAGER, R.QUALITY_MANAGER, R.ADMIN},
    permissions.sees_job_runs: {R.MANAGER, R.QUALITY_MANAGER, R.ADMIN},
    permissions.sees_acknowledgement_gaps: {
        R.SUPERVISOR, R.QUALITY_MANAGER, R.MANAGER, R.ADMIN,
    },
    permissions.can_manage_archives: {R.MANAGER, R.ADMIN},
    permissions.can_edit_standards: {R.QUALITY_MANAGER, R.MANAGER, R.ADMIN},
    permissions.can_approve_standards: {R.QUALITY_MANAGER, R.MANAGER},
    permissions.can_edit_questionnaires: {R.QUALITY_MANAGER, R.ADMIN},
    permissions.can_review_quality: {R.QUALITY_MANAGER, R.MANAGER, R.ADMIN},
    permissions.can_act_on_followups: {
        R.FOLLOWUP_AGENT, R.SUPERVISOR, R.MANAGER, R.ADMIN,
    },
    permissions.can_close_unreachable: {R.SUPERVISOR, R.MANAGER},
    permissions.can_manage_care: {
        R.QUALITY_MANAGER, R.MANAGER, R.SUPERVISOR, R.ADMIN,
    },
    permissions.can_work_on_claims: {
        R.AGENT, R.SUPERVISOR, R.QUALITY_MANAGER, R.MANAGER, R.ADMIN,
    },
    permissions.can_skip_compensation_approval: {R.SUPERVISOR, R.MANAGER, R.ADMIN},
}  # fmt: skip


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize(
    "predicate", list(ROLE_PREDICATES), ids=lambda predicate: predicate.__name__
)
def test_each_role_predicate_answers_for_each_role(predicate, role):
    person = UserFactory(roles=[role])

    assert predicate(person) is (role in ROLE_PREDICATES[predicate])


@pytest.mark.parametrize(
    "predicate", list(ROLE_PREDICATES), ids=lambda predicate: predicate.__name__
)
def test_role_predicates_refuse_anonymous_visitors_and_people_without_a_role(
    predicate,
):
    assert predicate(AnonymousUser()) is False
    assert predicate(UserFactory()) is False


def test_a_superuser_counts_as_an_administrator():
    root = UserFactory(is_superuser=True)

    assert permissions.sees_company_wide(root) is True
    assert permissions.is_manager(root) is True
    assert permissions.can_approve_standards(root) is False


def test_a_person_with_two_roles_gets_what_either_allows():
    person = UserFactory(roles=[R.AGENT, R.FOLLOWUP_AGENT])

    assert permissions.can_act_on_followups(person) is True
    assert permissions.can_work_on_claims(person) is True
    assert permissions.sees_company_wide(person) is False


def test_role_sets_hold_only_roles_and_staff_is_everyone_but_customers():
    assert set(Role.values) - {R.CUSTOMER} == permissions.STAFF
    assert permissions.STAFF - {R.ADMIN} == permissions.ACKNOWLEDGERS
    for name in permissions.__all__:
        value = getattr(permissions, name)
        if isinstance(value, frozenset):
            assert value <= set(Role.values), name


# --- Supervisors of units ---------------------------------------------------------------------


@pytest.fixture
def tree():
    """company → branch → team, and another branch beside it."""
    company = UnitFactory()
    branch = UnitFactory(parent=company)
    team = UnitFactory(parent=branch)
    elsewhere = UnitFactory(parent=company)
    return company, branch, team, elsewhere


def test_supervisors_over_a_unit_include_those_above_it_and_only_active_ones(tree):
    company, branch, team, elsewhere = tree
    boss = UserFactory(roles=[R.SUPERVISOR])
    membership_set(user=boss, unit=branch, is_supervisor=True)
    gone = UserFactory(is_active=False)
    membership_set(user=gone, unit=team, is_supervisor=True)
    other = UserFactory(roles=[R.SUPERVISOR])
    membership_set(user=other, unit=elsewhere, is_supervisor=True)
    member = UserFactory(units=[team])

    assert team.lineage_ids == [company.pk, branch.pk, team.pk]
    assert list(permissions.supervisors_over(unit=team)) == [boss]
    assert list(permissions.supervisors_over(unit=company)) == []
    assert permissions.supervises(user=boss, units=[team]) is True
    assert permissions.supervises(user=boss, units=[branch]) is True
    assert permissions.supervises(user=boss, units=[company]) is False
    assert permissions.supervises(user=other, units=[team]) is False
    assert permissions.supervises(user=member, units=[team]) is False
    assert permissions.supervises(user=AnonymousUser(), units=[team]) is False
    assert permissions.supervises(user=other, units=[team, elsewhere]) is True


def test_supervisors_of_names_exactly_the_units_supervisors(tree):
    company, branch, team, elsewhere = tree
    boss = UserFactory(supervises=[branch])
    lead = UserFactory(supervises=[team, elsewhere])
    UserFactory(units=[team])
    UserFactory(is_active=False, supervises=[team])

    assert list(permissions.supervisors_of(unit_ids=[team.pk])) == [lead]
    assert set(permissions.supervisors_of(unit_ids=[team.pk, branch.pk])) == {
        boss,
        lead,
    }
    assert list(permissions.supervisors_of(unit_ids=[company.pk])) == []
    assert list(
        permissions.supervisors_of(
            unit_ids=Unit.objects.filter(pk__in=[team.pk, elsewhere.pk]).values("pk")
        )
    ) == [lead]


def test_supervised_units_and_paths_are_those_the_person_supervises(tree):
    company, branch, team, elsewhere = tree
    boss = UserFactory(roles=[R.SUPERVISOR], supervises=[branch], units=[elsewhere])

    assert list(permissions.supervised_units(boss)) == [branch]
    assert permissions.supervised_unit_paths(boss) == [branch.path]
    assert permissions.supervised_unit_paths(UserFactory(units=[team])) == []
    assert permissions.supervised_unit_paths(AnonymousUser()) == []


@pytest.mark.parametrize("role", Role.values)
def test_oversees_managers_everywhere_supervisors_their_subtree_others_nowhere(
    tree, role
):
    company, branch, team, elsewhere = tree
    plain = UserFactory(roles=[role], units=[team])
    supervising = UserFactory(roles=[role], supervises=[branch])
    managing = role in {R.MANAGER, R.ADMIN}

    assert permissions.oversees(user=plain, units=[team]) is managing
    assert permissions.oversees(user=supervising, units=[team]) is True
    assert permissions.oversees(user=supervising, units=[branch]) is True
    assert permissions.oversees(user=supervising, units=[elsewhere]) is managing
    assert permissions.can_approve_compensation(user=plain, unit=team) is managing
    assert permissions.can_approve_compensation(user=supervising, unit=team) is True
    assert (
        permissions.can_approve_compensation(user=supervising, unit=company) is managing
    )


def test_units_overseen_are_all_for_managers_the_subtree_for_supervisors(tree):
    company, branch, team, elsewhere = tree
    manager = UserFactory(roles=[R.MANAGER])
    boss = UserFactory(roles=[R.SUPERVISOR], supervises=[branch])
    agent = UserFactory(roles=[R.AGENT], units=[team])

    assert set(permissions.units_overseen(user=manager)) == {
        company,
        branch,
        team,
        elsewhere,
    }
    assert set(permissions.units_overseen(user=boss)) == {branch, team}
    assert list(permissions.units_overseen(user=agent)) == []
    assert list(permissions.units_overseen(user=AnonymousUser())) == []
    assert list(
        permissions.units_overseen(
            user=boss, within=Unit.objects.filter(pk__in=[team.pk, elsewhere.pk])
        )
    ) == [team]


# --- Who sees what ----------------------------------------------------------------------------


def _seen(user) -> set[str]:
    """What `visible_subset` gives `user` of all users: staff see the agents, others
    their own row."""
    return set(
        permissions.visible_subset(
            User.objects.all(),
            user,
            staff=lambda people: people.filter(username__startswith="agent"),
            own=lambda people: people.filter(pk=user.pk),
        ).values_list("username", flat=True)
    )


@pytest.mark.parametrize("role", Role.values)
def test_visible_subset_company_wide_sees_all_staff_their_part_others_their_own(role):
    person = UserFactory(username="person", roles=[role])
    UserFactory(username="agent-a")
    UserFactory(username="someone")
    everyone = {"person", "agent-a", "someone"}

    if role in permissions.COMPANY_WIDE:
        assert _seen(person) == everyone
    elif role in permissions.STAFF:
        assert _seen(person) == {"agent-a"}
    else:
        assert _seen(person) == {"person"}


def test_visible_subset_gives_anonymous_visitors_nothing_and_others_nothing_by_default():
    customer = UserFactory(roles=[R.CUSTOMER])
    UserFactory(username="agent-a")

    assert _seen(AnonymousUser()) == set()
    assert not permissions.visible_subset(
        User.objects.all(), customer, staff=lambda people: people
    ).exists()


# --- Templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_the_can_filter_reads_the_predicates(role):
    person = UserFactory(roles=[role])
    template = Template(
        '{% load permissions %}{% if user|can:"manage_archives" %}yes{% else %}no'
        "{% endif %}"
    )

    expected = "yes" if permissions.can_manage_archives(person) else "no"
    assert template.render(Context({"user": person})) == expected


def test_the_can_filter_rejects_an_unknown_permission():
    template = Template('{% load permissions %}{{ user|can:"fly" }}')

    with pytest.raises(TemplateSyntaxError):
        template.render(Context({"user": UserFactory()}))


# --- No role sets outside their home ----------------------------------------------------------

APPS = ["aftersales", "standards", "customers", "tickets", "feedback", "portal"]
HOMES = {"aftersales/roles.py", "aftersales/permissions.py"}
EXEMPT = {
    # Demo data names its people after their roles: those are usernames, not role sets.
    "aftersales/demo.py",
    "standards/demo.py",
    "customers/demo.py",
    "tickets/demo.py",
    "feedback/demo.py",
}
ROLE_NAMES = set(Role.values)
ROLE_MEMBERS = {member.name for member in Role}


def _role_name(node: ast.AST) -> str | None:
    """The role a node writes out ("manager" or Role.MANAGER), else None."""
    if isinstance(node, ast.Constant) and node.value in ROLE_NAMES:
        return node.value
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
        and node.attr in ROLE_MEMBERS
    ):
        return Role[node.attr].value
    return None


def _role_sets(tree: ast.Module) -> list[int]:
    """Lines with a literal set, tuple or list of two or more roles, or a
    `has_role(...)` call naming two or more roles."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Set | ast.Tuple | ast.List):
            elements = node.elts
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "has_role"
        ):
            elements = node.args
        else:
            continue
        # Two different roles: a choice pair like ("customer", "customer") is no set.
        if len({_role_name(element) for element in elements} - {None}) >= 2:
            lines.append(node.lineno)
    return lines


def test_no_role_set_is_written_outside_roles_and_permissions():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative in HOMES | EXEMPT:
                continue
            tree = ast.parse(path.read_text("utf-8"))
            found += [f"{relative}:{line}" for line in _role_sets(tree)]

    assert found == [], "name the role set in aftersales/permissions.py: " + ", ".join(
        found
    )


def test_the_role_set_check_catches_literals_and_has_role_calls():
    tree = ast.parse(
        'A = {"manager", "admin"}\n'
        "B = (Role.MANAGER, Role.QUALITY_MANAGER)\n"
        'user.has_role("supervisor", Role.ADMIN)\n'
        'C = {"manager"}\n'
        'D = ("manager", "someone")\n'
        'F = ("customer", "customer")\n'
        "E = {Role.MANAGER: 1, Role.ADMIN: 2}\n"
    )

    assert _role_sets(tree) == [1, 2, 3]
