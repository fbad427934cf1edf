"""Reads of the customer archive (customers/selectors.py and
CustomerQuerySet.visible_to): search by name, phone in any format, e-mail, serial and invoice
number; who sees which archive; duplicates; the timeline with providers of upper layers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from customers import selectors, services
from customers.models import Customer, scope_roots
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import (
    CustomerFactory,
    CustomerPhoneFactory,
    customer,
    product,
    product_model,
    service_standard_in_force,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def names(customers) -> list[str]:
    return sorted(c.name for c in customers)


# --- Search -----------------------------------------------------------------------------------


@pytest.fixture
def archive(unit_tree, agent_user):
    """Three archives: 张伟 Zhang Wei (mobile, e-mail, an air conditioner with serial and
    invoice number), Li Na (Shanghai landline), Zhao Lei (another mobile)."""
    service_standard_in_force(owner_unit=unit_tree["co"])
    zhang = customer(
        actor=agent_user,
        name="张伟 Zhang Wei",
        phones=["+86 138 0013 8000"],
        email="zhang@example.com",
    )
    product(
        actor=agent_user,
        owner=zhang,
        model=product_model(actor=agent_user, code="AC-35", category="air_conditioner"),
        serial="AC100001",
        sale_date=date(2025, 5, 20),
        invoice_number="FP00000001",
    )
    customer(actor=agent_user, name="Li Na", phones=["(021) 6432 1234"])
    customer(actor=agent_user, name="Zhao Lei", phones=["139 1234 5678"])
    return zhang


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zhang", ["张伟 Zhang Wei"]),  # name prefix, any case
        ("ZHANG WEI", ["张伟 Zhang Wei"]),
        ("Zha", ["Zhao Lei", "张伟 Zhang Wei"]),
        ("张伟", ["张伟 Zhang Wei"]),  # a Chinese name
        ("张", ["张伟 Zhang Wei"]),
        ("wei", ["张伟 Zhang Wei"]),  # part of the name
        ("+86 138 0013 8000", ["张伟 Zhang Wei"]),
        ("+8613800138000", ["张伟 Zhang Wei"]),
        ("138 0013 8000", ["张伟 Zhang Wei"]),
        ("138-0013-8000", ["张伟 Zhang Wei"]),
        ("13800138000", ["张伟 Zhang Wei"]),
        ("0086 13800138000", ["张伟 Zhang Wei"]),
        ("0086-138-0013-8000", ["张伟 Zhang Wei"]),
        ("1380", ["张伟 Zhang Wei"]),  # the start of the national number, 4 digits
        ("138 0013", ["张伟 Zhang Wei"]),
        ("+86 138 00", ["张伟 Zhang Wei"]),
        ("13", []),  # fewer than 4 digits is no number search
        ("138", []),
        ("(021) 6432 1234", ["Li Na"]),  # a Shanghai landline
        ("021-64321234", ["Li Na"]),
        ("+86 21 6432 1234", ["Li Na"]),
        ("2164", ["Li Na"]),
        ("zhang@example.com", ["张伟 Zhang Wei"]),
        ("ZHANG@EXAMPLE.COM", ["张伟 Zhang Wei"]),
        ("AC100001", ["张伟 Zhang Wei"]),  # serial
        ("ac100001", ["张伟 Zhang Wei"]),
        ("FP00000001", ["张伟 Zhang Wei"]),  # invoice number
        ("nobody", []),
        ("", ["Li Na", "Zhao Lei", "张伟 Zhang Wei"]),
        ("   ", ["Li Na", "Zhao Lei", "张伟 Zhang Wei"]),
    ],
)
def test_customer_list_finds_by_name_phone_email_serial_and_invoice(
    archive, agent_user, q, expected
):
    assert names(selectors.customer_list(user=agent_user, q=q)) == expected


def test_a_landline_prefix_with_its_area_code_finds_the_customer(archive, agent_user):
    assert names(selectors.customer_list(user=agent_user, q="021 6432")) == ["Li Na"]


def test_customer_list_loads_phones_and_product_counts(archive, agent_user):
    found = selectors.customer_list(user=agent_user, q="zhang").get()
    assert found.product_count == 1
    assert [p.number for p in found.phones.all()] == ["+8613800138000"]


def test_customer_list_filters_by_field(agent_user):
    customer(actor=agent_user, name="Key Account", segment="key")
    customer(actor=agent_user, name="New Customer", segment="new")
    assert names(
        selectors.customer_list(user=agent_user, filters={"segment": "key"})
    ) == ["Key Account"]
    assert names(selectors.customer_list(user=agent_user, filters={"segment": ""})) == [
        "Key Account",
        "New Customer",
    ]


def test_merged_archives_are_not_listed(archive, agent_user):
    duplicate = customer(actor=agent_user, name="张伟", phones=["13800138000"])
    services.customer_merge(survivor=archive, duplicate=duplicate, actor=agent_user)

    assert names(selectors.customer_list(user=agent_user, q="张伟")) == [
        "张伟 Zhang Wei"
    ]
    assert names(selectors.customer_list(user=agent_user, q="13800138000")) == [
        "张伟 Zhang Wei"
    ]
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == archive.pk


# --- Who sees which archive -------------------------------------------------------------------


@pytest.fixture
def branches(unit_tree):
    """Branch A (the unit tree's `br`) and branch B with its own hotline and agent, and an
    archive served by each, one served company-wide and one of a portal customer."""
    branch_b = UnitFactory(
        code="br-b", name="Branch B", kind="branch", parent=unit_tree["co"]
    )
    hotline_b = UnitFactory(
        code="hot-b", name="Hotline B", kind="hotline", parent=branch_b
    )
    portal_user = UserFactory(username="wang@example.com", roles=["customer"])
    return {
        "agent_b": UserFactory(username="zhou", roles=["agent"], units=[hotline_b]),
        "portal_user": portal_user,
        "of_a": CustomerFactory(name="Served by A", unit=unit_tree["br"]),
        "of_a_hotline": CustomerFactory(
            name="Served by A's hotline", unit=unit_tree["hot"]
        ),
        "of_b": CustomerFactory(name="Served by B", unit=branch_b),
        "company_wide": CustomerFactory(name="Company-wide", unit=None),
        "portal": CustomerFactory(name="Portal", unit=branch_b, user=portal_user),
    }


def test_an_agent_sees_the_archives_of_their_branch_and_company_wide_ones(
    branches, agent_user
):
    assert names(Customer.objects.visible_to(agent_user)) == [
        "Company-wide",
        "Served by A",
        "Served by A's hotline",
    ]
    assert names(Customer.objects.visible_to(branches["agent_b"])) == [
        "Company-wide",
        "Portal",
        "Served by B",
    ]
    with pytest.raises(Http404):
        selectors.customer_get(user=agent_user, pk=branches["of_b"].pk)


def test_a_supervisor_and_a_technician_see_their_branch(
    branches, supervisor_user, technician_user
):
    expected = ["Company-wide", "Served by A", "Served by A's hotline"]
    assert names(Customer.objects.visible_to(supervisor_user)) == expected
    assert names(Customer.objects.visible_to(technician_user)) == expected


@pytest.mark.parametrize("role", ["manager", "quality_manager", "admin"])
def test_managers_see_every_archive(branches, unit_tree, role):
    user = UserFactory(roles=[role], units=[unit_tree["hot"]])
    assert Customer.objects.visible_to(user).count() == 5


def test_company_level_staff_see_the_whole_company(branches, unit_tree):
    user = UserFactory(roles=["agent"], units=[unit_tree["co"]])
    assert Customer.objects.visible_to(user).count() == 5


def test_a_portal_customer_sees_only_their_own_archive(branches, customer_user):
    assert names(Customer.objects.visible_to(branches["portal_user"])) == ["Portal"]
    assert names(Customer.objects.visible_to(customer_user)) == []
    assert (
        selectors.customer_for_user(user=branches["portal_user"]) == branches["portal"]
    )


def test_an_anonymous_visitor_sees_nothing(branches):
    assert Customer.objects.visible_to(AnonymousUser()).count() == 0
    assert selectors.customer_for_user(user=AnonymousUser()) is None


def test_an_archive_served_by_the_company_unit_is_company_wide(unit_tree, agent_user):
    CustomerFactory(name="Served by the company", unit=unit_tree["co"])
    assert names(Customer.objects.visible_to(agent_user)) == ["Served by the company"]


@pytest.mark.parametrize(
    ("paths", "roots"),
    [
        (["/1/"], {"/1/"}),
        (["/1/2/"], {"/1/2/"}),
        (["/1/2/5/"], {"/1/2/"}),
        (["/1/2/5/9/", "/1/3/7/"], {"/1/2/", "/1/3/"}),
        (["/1/2/5/", "/1/2/6/"], {"/1/2/"}),
        ([], set()),
    ],
)
def test_scope_roots_are_the_branches_of_the_units(paths, roots):
    assert scope_roots(paths) == roots


def test_products_and_contacts_follow_the_archive_scope(
    branches, agent_user, unit_tree
):
    service_standard_in_force(owner_unit=unit_tree["co"])
    model = product_model(actor=agent_user, code="AC-35", category="air_conditioner")
    for index, owner in enumerate((branches["of_a"], branches["of_b"])):
        product(
            actor=agent_user,
            owner=owner,
            model=model,
            serial=f"AC{index}",
            sale_date=date(2025, 5, 20),
        )
        services.contact_log(
            actor=agent_user, customer=owner, channel="phone", summary=f"Call {index}"
        )
    services.contact_log(
        actor=agent_user, customer=None, channel="phone", summary="Wrong number"
    )

    assert [p.serial for p in selectors.product_list(user=agent_user)] == ["AC0"]
    assert sorted(c.summary for c in selectors.contact_list(user=agent_user)) == [
        "Call 0",
        "Wrong number",
    ]
    assert (
        sorted(p.serial for p in selectors.product_list(user=branches["portal_user"]))
        == []
    )
    with pytest.raises(Http404):
        selectors.product_get(user=agent_user, pk=branches["of_b"].products.get().pk)


# --- Duplicates -------------------------------------------------------------------------------


def test_duplicate_groups_find_a_shared_phone_and_a_shared_email(agent_user, branches):
    a = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    b = customer(actor=agent_user, name="张伟", phones=["+86 138 0013 8000"])
    c = customer(actor=agent_user, name="Li Na", email="li.na@example.com")
    d = customer(
        actor=agent_user,
        name="李娜",
        email="li.na@example.com",
        phones=["(021) 6432 1234"],
    )
    customer(actor=agent_user, name="Alone", phones=["13912345678"])
    merged = customer(actor=agent_user, name="Merged", phones=["13800138000"])
    services.customer_merge(survivor=a, duplicate=merged, actor=agent_user)
    # a copy in another branch is out of the agent's sight
    CustomerPhoneFactory(
        customer=branches["of_b"], number="+8613912345678", national="13912345678"
    )

    groups = selectors.duplicate_groups(user=agent_user)

    assert [(g["key"], [x.pk for x in g["customers"]]) for g in groups] == [
        ("+8613800138000", [a.pk, b.pk]),
        ("li.na@example.com", [c.pk, d.pk]),
    ]


def test_duplicate_groups_take_a_constant_number_of_queries(
    agent_user, django_assert_num_queries
):
    for index in range(6):
        customer(
            actor=agent_user,
            name=f"Twin {index}",
            phones=[f"1380013800{index // 2}"],
            email=f"twin{index // 2}@example.com",
        )
    agent_user.role_names  # noqa: B018  # the role lookup is cached on the user

    with django_assert_num_queries(3):
        groups = selectors.duplicate_groups(user=agent_user)
    assert len(groups) == 6


# --- Timeline -----------------------------------------------------------------------------------


@pytest.fixture
def case_provider():
    """A provider as tickets would register one; removed again after the test."""

    def cases(of: Customer) -> list[dict]:
        return [
            {
                "at": NOW + timedelta(hours=2),
                "kind": "ticket",
                "title": "T-20260302-0001 Noisy unit",
                "detail": "",
                "status": "In progress",
                "url": "/tickets/T-20260302-0001/",
                "by": "",
            }
        ]

    before = list(selectors.TIMELINE_PROVIDERS)
    selectors.register_timeline_provider(cases)
    yield cases
    selectors.TIMELINE_PROVIDERS.remove(cases)
    assert before == selectors.TIMELINE_PROVIDERS  # nothing left behind


def test_customer_timeline_merges_every_source_newest_first(
    unit_tree, agent_user, case_provider
):
    service_standard_in_force(owner_unit=unit_tree["co"])
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        zhang = customer(actor=agent_user, name="Zhang Wei", consent_marketing=True)
    with time_machine.travel(NOW, tick=False):
        product(
            actor=agent_user,
            owner=zhang,
            model=product_model(
                actor=agent_user, code="AC-35", category="air_conditioner"
            ),
            serial="AC100001",
            sale_date=date(2025, 5, 20),
        )
        services.contact_log(
            actor=agent_user,
            customer=zhang,
            channel="phone",
            summary="Asked about the filter",
            disposition="answered",
        )

    timeline = selectors.customer_timeline(customer=zhang)

    assert [(e["kind"], e["title"], e["at"]) for e in timeline] == [
        ("ticket", "T-20260302-0001 Noisy unit", NOW + timedelta(hours=2)),
        ("contact", "Inbound · Phone", NOW),
        ("consent", "Marketing: ✓", NOW - timedelta(days=1)),
        ("consent", "Service contact: ✓", NOW - timedelta(days=1)),
        ("product", "AC-35 #AC100001", datetime(2025, 5, 20, tzinfo=ZoneInfo("UTC"))),
    ]
    assert timeline[1]["detail"] == "Asked about the filter"
    assert timeline[1]["status"] == "Answered on the spot"
    assert timeline[1]["by"] == agent_user.name
    assert timeline[4]["url"] == zhang.products.get().get_absolute_url()
    assert selectors.customer_timeline(customer=zhang, limit=2) == timeline[:2]
