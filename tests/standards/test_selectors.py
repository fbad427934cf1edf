"""Reads of the standards app (standards/selectors.py) through a real database: the
service-standard resolver, acknowledgements, the business calendar of a unit, and query counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from standards import selectors, services
from standards.models import StandardDocument
from standards.parameters import get_path
from standards.workflow import VersionStatus
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.standards.factories import (
    StandardDocumentFactory,
    StandardVersionFactory,
    approved,
    document,
    draft,
    effective,
    service_parameters,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def quality(unit_tree):
    return UserFactory(
        username="zhao", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def service_doc(manager_user, quality, unit_tree):
    return document(actor=manager_user, owner=quality, owner_unit=unit_tree["co"])


def scoped_standard(code, *, scope, actor, owner, owner_unit, approver):
    """A service standard of its own, effective since 2026-01-01, with `scope`."""
    doc = document(actor=actor, owner=owner, owner_unit=owner_unit, code=code)
    parameters = service_parameters({f"scope.{k}": v for k, v in scope.items()})
    return effective(
        doc,
        author=owner,
        approver=approver,
        effective_from=date(2026, 1, 1),
        parameters=parameters,
    )


# --- The resolver ------------------------------------------------------------------------------


@pytest.fixture
def a17(service_doc, quality, manager_user):
    """v1 promises on site in 48 h (urban); v2, approved in June, 24 h from 1 July."""
    v1 = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
        parameters=service_parameters({"sla.onsite.urban": 48}),
    )
    v2 = approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 15),
        parameters=service_parameters({"sla.onsite.urban": 24}),
    )
    assert services.standard_activation_sweep(today=date(2026, 7, 1)) == 1
    return v1, v2


@pytest.mark.parametrize(
    ("at", "version", "onsite_hours"),
    [
        (sh(2026, 1, 1, 0, 0), 1, 48),
        (sh(2026, 6, 30, 23, 0), 1, 48),
        (sh(2026, 6, 30, 23, 59, 59), 1, 48),
        (sh(2026, 7, 1, 0, 0), 2, 24),
        (sh(2026, 7, 1, 0, 30), 2, 24),
        # 16:30 UTC on 30 June is already 00:30 on 1 July in Shanghai.
        (datetime(2026, 6, 30, 16, 30, tzinfo=UTC), 2, 24),
        (datetime(2026, 6, 30, 15, 59, tzinfo=UTC), 1, 48),
        (sh(2027, 1, 1, 12, 0), 2, 24),
    ],
)
def test_a17_a_revision_applies_from_its_start_in_shanghai_time(
    a17, at, version, onsite_hours
):
    resolved = selectors.service_standard_resolve(at=at)
    assert resolved.version == version
    assert resolved.pk == a17[version - 1].pk
    assert get_path(resolved.parameters, "sla.onsite.urban") == onsite_hours


def test_nothing_applies_before_the_first_version(a17):
    assert selectors.service_standard_resolve(at=sh(2025, 12, 31, 23, 59)) is None


def test_an_approved_version_does_not_apply_before_it_is_activated(
    service_doc, quality, manager_user
):
    v1 = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 15),
    )
    assert selectors.service_standard_resolve(at=sh(2026, 7, 1, 9, 0)) == v1


def test_other_kinds_of_standard_never_resolve(manager_user, quality, unit_tree):
    work = document(
        actor=manager_user,
        owner=quality,
        owner_unit=unit_tree["co"],
        code="Q/ACME 401",
        kind="work",
    )
    effective(
        work,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
        parameters={},
    )
    assert selectors.service_standard_resolve(at=sh(2026, 3, 1, 9, 0)) is None


@pytest.fixture
def scoped(manager_user, quality, unit_tree):
    """A company-wide standard, one for refrigerators, one for the branch, one for the
    hotline channel."""
    common = {
        "actor": manager_user,
        "owner": quality,
        "owner_unit": unit_tree["co"],
        "approver": manager_user,
    }
    return {
        "company": scoped_standard("Q/ACME 001", scope={}, **common),
        "fridges": scoped_standard(
            "Q/ACME 002", scope={"category": "refrigerator"}, **common
        ),
        "branch": scoped_standard("Q/ACME 003", scope={"unit": "br"}, **common),
        "phone": scoped_standard("Q/ACME 004", scope={"channel": "hotline"}, **common),
    }


@pytest.mark.parametrize(
    ("category", "channel", "unit", "expected"),
    [
        ("", "", None, "company"),
        ("tv", "", None, "company"),
        ("refrigerator", "", None, "fridges"),
        ("tv", "", "co", "company"),  # the company unit is above the branch scope
        ("tv", "", "br", "branch"),
        ("tv", "", "hot", "branch"),  # the branch scope covers its subtree
        ("tv", "", "ws", "branch"),
        ("refrigerator", "", "hot", "fridges"),  # a category beats a unit
        ("tv", "hotline", None, "phone"),
        ("tv", "hotline", "hot", "branch"),  # a unit beats a channel
        ("tv", "portal", None, "company"),
    ],
)
def test_the_most_specific_scope_wins(
    scoped, unit_tree, category, channel, unit, expected
):
    resolved = selectors.service_standard_resolve(
        category=category,
        channel=channel,
        unit=unit_tree[unit] if unit else None,
        at=sh(2026, 3, 1, 9, 0),
    )
    assert resolved == scoped[expected]


def test_a_unit_scope_does_not_reach_another_branch(scoped, unit_tree):
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    other_hotline = UnitFactory(code="hot2", kind="hotline", parent=other_branch)
    resolved = selectors.service_standard_resolve(
        category="tv", unit=other_hotline, at=sh(2026, 3, 1, 9, 0)
    )
    assert resolved == scoped["company"]


def test_the_resolver_uses_one_query(scoped, unit_tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        resolved = selectors.service_standard_resolve(
            category="tv", unit=unit_tree["hot"], at=sh(2026, 3, 1, 9, 0)
        )
    assert resolved == scoped["branch"]


# --- Acknowledgements --------------------------------------------------------------------------


@pytest.fixture
def to_acknowledge(manager_user, quality, unit_tree):
    """Effective: the service standard (all staff), a management standard of the company
    (everyone below it) and a work standard of the workshop (its members only); and a draft."""
    made = {}
    for key, code, kind, owner_unit in [
        ("service", "Q/ACME 001", "service", "co"),
        ("management", "Q/ACME 301", "management", "co"),
        ("workshop", "Q/ACME 201", "work", "ws"),
        ("draft", "Q/ACME 401", "work", "hot"),
    ]:
        doc = document(
            actor=manager_user,
            owner=quality,
            owner_unit=unit_tree[owner_unit],
            code=code,
            kind=kind,
        )
        parameters = None if kind == "service" else {}
        if key == "draft":
            made[key] = draft(
                doc, author=quality, effective_from=date(2026, 1, 1), parameters={}
            )
        else:
            made[key] = effective(
                doc,
                author=quality,
                approver=manager_user,
                effective_from=date(2026, 1, 1),
                parameters=parameters,
            )
    return made


def test_versions_to_acknowledge_by_unit(
    to_acknowledge, agent_user, technician_user, customer_user
):
    def codes(user):
        return [v.document.code for v in selectors.versions_to_acknowledge(user=user)]

    assert codes(agent_user) == ["Q/ACME 001", "Q/ACME 301"]
    assert codes(technician_user) == ["Q/ACME 001", "Q/ACME 201", "Q/ACME 301"]
    assert codes(customer_user) == []

    services.acknowledgement_create(version=to_acknowledge["service"], user=agent_user)
    assert codes(agent_user) == ["Q/ACME 301"]
    assert codes(technician_user) == ["Q/ACME 001", "Q/ACME 201", "Q/ACME 301"]


def test_staff_without_a_unit_acknowledge_only_service_standards(to_acknowledge):
    loner = UserFactory(username="loner", roles=["agent"])
    assert [v.document.code for v in selectors.versions_to_acknowledge(user=loner)] == [
        "Q/ACME 001"
    ]


@pytest.fixture
def gap_people(unit_tree, agent_user, technician_user, supervisor_user, quality):
    """Staff in the supervised hotline and workshop, and an agent of another branch."""
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    outsider = UserFactory(username="yang", roles=["agent"], units=[other_branch])
    UserFactory(
        username="gone", roles=["agent"], units=[unit_tree["hot"]], is_active=False
    )
    return {"outsider": outsider}


def usernames(users) -> list[str]:
    return [user.username for user in users]


def test_acknowledgement_gaps_of_a_supervisor_cover_their_subtree_only(
    to_acknowledge, gap_people, supervisor_user, agent_user
):
    version = to_acknowledge["service"]
    assert usernames(
        selectors.acknowledgement_gaps(version=version, viewer=supervisor_user)
    ) == ["chen", "li", "liu"]

    services.acknowledgement_create(version=version, user=agent_user)
    assert usernames(
        selectors.acknowledgement_gaps(version=version, viewer=supervisor_user)
    ) == ["chen", "liu"]


def test_acknowledgement_gaps_for_managers_cover_all_staff(
    to_acknowledge, gap_people, manager_user, customer_user
):
    version = to_acknowledge["service"]
    assert usernames(
        selectors.acknowledgement_gaps(version=version, viewer=manager_user)
    ) == ["chen", "li", "liu", "wang", "yang", "zhao"]


def test_acknowledgement_gaps_of_a_unit_standard_list_its_members_only(
    to_acknowledge, gap_people, manager_user, supervisor_user, technician_user
):
    version = to_acknowledge["workshop"]
    assert usernames(
        selectors.acknowledgement_gaps(version=version, viewer=manager_user)
    ) == ["chen", "liu"]
    services.acknowledgement_create(version=version, user=technician_user)
    assert usernames(
        selectors.acknowledgement_gaps(version=version, viewer=supervisor_user)
    ) == ["chen"]


def test_an_agent_sees_no_acknowledgement_gaps(to_acknowledge, gap_people, agent_user):
    assert (
        list(
            selectors.acknowledgement_gaps(
                version=to_acknowledge["service"], viewer=agent_user
            )
        )
        == []
    )


# --- Business calendar of a unit ---------------------------------------------------------------


@pytest.fixture
def calendars(manager_user, unit_tree):
    services.business_calendar_save(
        actor=manager_user,
        unit=None,
        name="Office hours",
        day_start=time(9),
        day_end=time(18),
        workdays=[0, 1, 2, 3, 4],
    )
    services.business_calendar_save(
        actor=manager_user,
        unit=unit_tree["br"],
        name="Branch, 08:00-20:00 every day",
        day_start=time(8),
        day_end=time(20),
        workdays=list(range(7)),
        follows_statutory_holidays=False,
    )


@pytest.mark.parametrize(
    ("unit", "hours", "workdays", "statutory"),
    [
        (None, (time(9), time(18)), frozenset(range(5)), True),
        ("co", (time(9), time(18)), frozenset(range(5)), True),
        ("br", (time(8), time(20)), frozenset(range(7)), False),
        ("hot", (time(8), time(20)), frozenset(range(7)), False),
        ("ws", (time(8), time(20)), frozenset(range(7)), False),
    ],
)
def test_a_unit_uses_its_nearest_ancestors_hours(
    calendars, unit_tree, unit, hours, workdays, statutory
):
    calendar = selectors.calendar_for_unit(unit=unit_tree[unit] if unit else None)
    assert (calendar.day_start, calendar.day_end) == hours
    assert calendar.workdays == workdays
    assert calendar.follows_statutory_holidays is statutory
    assert calendar.timezone == "Asia/Shanghai"


def test_a_units_own_hours_beat_its_ancestors(calendars, manager_user, unit_tree):
    services.business_calendar_save(
        actor=manager_user,
        unit=unit_tree["ws"],
        name="Workshop",
        day_start=time(7),
        day_end=time(16),
        workdays=[0, 1, 2, 3, 4, 5],
    )
    calendar = selectors.calendar_for_unit(unit=unit_tree["ws"])
    assert (calendar.day_start, calendar.day_end) == (time(7), time(16))
    assert calendar.workdays == frozenset(range(6))
    hotline = selectors.calendar_for_unit(unit=unit_tree["hot"])
    assert (hotline.day_start, hotline.day_end) == (time(8), time(20))


def test_without_any_calendar_rows_the_default_applies(unit_tree):
    calendar = selectors.calendar_for_unit(unit=unit_tree["hot"])
    assert (calendar.day_start, calendar.day_end) == (time(9), time(18))
    assert calendar.workdays == frozenset(range(5))
    assert dict(calendar.overrides) == {}


def test_a_unit_override_beats_a_company_override(quality, unit_tree):
    day = date(2026, 3, 4)
    services.calendar_override_set(
        actor=quality,
        day=day,
        is_working=True,
        name="Hotline on duty",
        unit=unit_tree["hot"],
    )
    services.calendar_override_set(
        actor=quality, day=day, is_working=False, name="Outing"
    )
    services.calendar_override_set(
        actor=quality,
        day=date(2026, 3, 5),
        is_working=False,
        name="Unrelated",
        unit=unit_tree["ws"],
    )

    assert dict(selectors.calendar_for_unit(unit=unit_tree["hot"]).overrides) == {
        day: True
    }
    assert dict(selectors.calendar_for_unit(unit=unit_tree["ws"]).overrides) == {
        day: False,
        date(2026, 3, 5): False,
    }
    assert dict(selectors.calendar_for_unit(unit=None).overrides) == {day: False}


def test_a_units_own_override_beats_its_branchs(quality, unit_tree):
    # The team's row sorts first on both databases (lower unit id, inserted first).
    team = UnitFactory(code="team", kind="other")
    department = UnitFactory(code="dept", kind="other", parent=unit_tree["br"])
    team.parent = department
    team.save()
    day = date(2026, 3, 7)  # a Saturday
    services.calendar_override_set(
        actor=quality, day=day, is_working=True, name="Team catch-up", unit=team
    )
    services.calendar_override_set(
        actor=quality,
        day=day,
        is_working=False,
        name="Department day off",
        unit=department,
    )
    assert selectors.calendar_for_unit(unit=team).overrides[day] is True


def test_calendar_for_unit_uses_two_queries(
    calendars, quality, unit_tree, django_assert_num_queries
):
    services.calendar_override_set(
        actor=quality, day=date(2026, 3, 4), is_working=False, name="Outing"
    )
    with django_assert_num_queries(2):
        calendar = selectors.calendar_for_unit(unit=unit_tree["hot"])
    assert calendar.overrides == {date(2026, 3, 4): False}


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("documents", [3, 20])
def test_standard_list_query_count_is_flat(documents, django_assert_max_num_queries):
    for index in range(documents):
        doc = StandardDocumentFactory(kind="work")
        StandardVersionFactory(document=doc, version=1, status=VersionStatus.SUPERSEDED)
        StandardVersionFactory(document=doc, version=2, status=VersionStatus.EFFECTIVE)
        if index % 2:
            StandardVersionFactory(document=doc, version=3)
            doc.related.add(StandardDocument.objects.order_by("pk").first())

    # Documents with owner and unit, their related standards, their versions: 3 queries,
    # whether there are 3 documents or 20.
    with django_assert_max_num_queries(3):
        rows = [
            (
                doc.code,
                doc.owner.username,
                doc.owner_unit.code,
                [(v.version, v.status) for v in doc.versions.all()],
                [related.code for related in doc.related.all()],
            )
            for doc in selectors.standard_list()
        ]

    assert len(rows) == documents
    first_code = rows[0][0]
    assert rows[0][3] == [(2, "effective"), (1, "superseded")]
    assert rows[1][3] == [(3, "draft"), (2, "effective"), (1, "superseded")]
    assert rows[1][4] == [first_code]


def test_standard_list_filters_by_kind_and_text():
    StandardDocumentFactory(code="Q/ACME 101", title="Washer", kind="product")
    StandardDocumentFactory(code="Q/ACME 201", title="Workshop", kind="process")
    StandardDocumentFactory(code="Q/ACME 202", title="Washer repair", kind="process")
    assert [d.code for d in selectors.standard_list(kind="process")] == [
        "Q/ACME 201",
        "Q/ACME 202",
    ]
    assert [d.code for d in selectors.standard_list(q="washer")] == [
        "Q/ACME 202",
        "Q/ACME 101",
    ]


def test_standard_tree_groups_documents_by_kind_in_kind_order():
    StandardDocumentFactory(code="Q/ACME 401", kind="work")
    StandardDocumentFactory(code="Q/ACME 101", kind="product")
    tree = selectors.standard_tree()
    assert [
        (group["kind"], [d.code for d in group["documents"]]) for group in tree
    ] == [
        ("product", ["Q/ACME 101"]),
        ("process", []),
        ("management", []),
        ("work", ["Q/ACME 401"]),
        ("service", []),
    ]
    assert [group["kind"] for group in tree] == list(StandardDocument.Kind.values)
