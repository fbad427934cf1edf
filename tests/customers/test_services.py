"""Writes of the customer archive (customers/services.py): archives with validated
phones and logged consent, products with computed validity (A10), validity events, the
contact log, merging duplicates, and privacy (export, anonymise, retention)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.models import JobRun
from customers import selectors, services
from customers.models import (
    ArchiveAccess,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    ValidityEvent,
)
from customers.tasks import retention_sweep_task
from tests.customers.factories import (
    LAW_2024,
    customer,
    product,
    product_model,
    service_standard_in_force,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def standard(unit_tree):
    """The company's service standard in force since 2024-07-01 (the 2024 law)."""
    return service_standard_in_force(owner_unit=unit_tree["co"])


@pytest.fixture
def air_conditioner(standard, agent_user):
    return product_model(
        actor=agent_user,
        code="AC-35-INV",
        category="air_conditioner",
        main_components=["compressor"],
    )


@pytest.fixture
def zhang(agent_user):
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        return customer(actor=agent_user, name="张伟 Zhang Wei", phones=["13800138000"])


def table(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


# --- Customers, phones, consent ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_customer_create_stores_normalised_phones_consent_and_tags(agent_user):
    created = services.customer_create(
        actor=agent_user,
        name="张伟 Zhang Wei",
        phones=["+86 138 0013 8000", "138-0013-8000", "", "(021) 6432 1234"],
        tags=["VIP", " VIP ", "portal"],
        email="zhang@example.com",
        consent_service=True,
        consent_marketing=False,
        source="counter",
    )

    stored = Customer.objects.get(pk=created.pk)
    assert stored.name == "张伟 Zhang Wei"
    assert stored.search_name == "张伟 zhang wei"
    assert stored.email == "zhang@example.com"
    assert stored.last_activity_at == NOW
    assert list(
        stored.phones.values_list("number", "national", "kind", "is_primary")
    ) == [
        ("+8613800138000", "13800138000", "mobile", True),
        ("+862164321234", "2164321234", "fixed", False),
    ]
    assert sorted(stored.tags.values_list("name", flat=True)) == ["VIP", "portal"]
    assert (stored.consent_service, stored.consent_service_at) == (True, NOW)
    assert (stored.consent_marketing, stored.consent_marketing_at) == (False, NOW)
    assert list(
        ConsentChange.objects.filter(customer=stored)
        .order_by("pk")
        .values_list("kind", "granted", "at", "recorded_by", "source")
    ) == [
        ("service", True, NOW, agent_user.pk, "counter"),
        ("marketing", False, NOW, agent_user.pk, "counter"),
    ]


def test_customer_create_names_each_invalid_phone_and_stores_nothing(agent_user):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(
            actor=agent_user,
            name="Wang Fang",
            phones=["138 0013 8000", "12345", "hello"],
            tags=["VIP"],
        )

    assert caught.value.message_dict == {
        "phones": [
            "“12345” is not a valid phone number.",
            "“hello” is not a phone number.",
        ]
    }
    assert Customer.objects.count() == 0
    assert CustomerPhone.objects.count() == 0
    assert ConsentChange.objects.count() == 0
    assert table(Customer.tags.through) == []


def test_customer_create_is_refused_to_a_portal_customer(customer_user):
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=customer_user, name="Wang Fang")
    assert Customer.objects.count() == 0


def test_customer_create_refuses_unknown_fields(agent_user):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(actor=agent_user, name="Wang Fang", anonymised_at=NOW)
    assert caught.value.message_dict == {"anonymised_at": ["Unknown field."]}
    assert Customer.objects.count() == 0


def test_customer_update_logs_a_consent_change_only_when_it_changes(zhang, agent_user):
    later = NOW + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        services.customer_update(
            customer=zhang,
            actor=agent_user,
            consent_service=True,  # unchanged
            consent_marketing=True,  # granted
            source="phone call",
        )

    stored = Customer.objects.get(pk=zhang.pk)
    assert (stored.consent_service, stored.consent_service_at) == (
        True,
        NOW - timedelta(days=30),
    )
    assert (stored.consent_marketing, stored.consent_marketing_at) == (True, later)
    assert stored.last_activity_at == later
    assert list(
        ConsentChange.objects.filter(customer=zhang)
        .order_by("pk")
        .values_list("kind", "granted", "at", "source")
    ) == [
        ("service", True, NOW - timedelta(days=30), "staff"),
        ("marketing", False, NOW - timedelta(days=30), "staff"),
        ("marketing", True, later, "phone call"),
    ]

    # the same values again change nothing in the log
    services.customer_update(
        customer=zhang, actor=agent_user, consent_service=True, consent_marketing=True
    )
    assert ConsentChange.objects.filter(customer=zhang).count() == 3


def test_customer_update_with_an_invalid_phone_changes_nothing(zhang, agent_user):
    before = (table(Customer), table(CustomerPhone), table(ConsentChange))

    with pytest.raises(ValidationError) as caught:
        services.customer_update(
            customer=Customer.objects.get(pk=zhang.pk),
            actor=agent_user,
            name="Zhang San",
            phones=["138 0013 8001", "999"],
            consent_marketing=True,
        )

    assert caught.value.message_dict == {
        "phones": ["“999” is not a valid phone number."]
    }
    assert (table(Customer), table(CustomerPhone), table(ConsentChange)) == before


# --- Products and validity (A10) --------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_product_register_starts_validity_at_installation_under_the_2024_rule(
    zhang, air_conditioner, agent_user
):
    registered = services.product_register(
        actor=agent_user,
        customer=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
        delivery_date=date(2025, 5, 25),
        installation_date=date(2025, 6, 1),
        invoice_number="FP00000001",
    )

    stored = OwnedProduct.objects.get(pk=registered.pk)
    assert stored.legal_rule_set == LAW_2024
    assert stored.validity_start == date(2025, 6, 1)  # not the invoice date 2025-05-20
    assert stored.validity_end == date(2026, 5, 31)
    assert stored.component_validity == {"compressor": "2028-05-31"}
    assert stored.main_validity_end == date(2028, 5, 31)
    assert Customer.objects.get(pk=zhang.pk).last_activity_at == NOW


@time_machine.travel(NOW, tick=False)
def test_product_register_without_installation_starts_at_delivery(
    zhang, air_conditioner, agent_user
):
    registered = product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0002",
        sale_date=date(2025, 5, 20),
        delivery_date=date(2025, 5, 25),
    )
    assert (registered.validity_start, registered.validity_end) == (
        date(2025, 5, 25),
        date(2026, 5, 24),
    )


@time_machine.travel(NOW, tick=False)
def test_main_components_of_the_model_limit_the_component_periods(
    standard, zhang, agent_user
):
    fridge = product_model(
        actor=agent_user,
        code="RF-520",
        category="refrigerator",
        main_components=["compressor"],
    )
    registered = product(
        actor=agent_user,
        owner=zhang,
        model=fridge,
        serial="RF0001",
        sale_date=date(2025, 1, 31),
    )
    assert registered.validity_end == date(2026, 1, 30)
    assert registered.component_validity == {"compressor": "2028-01-30"}


@time_machine.travel(NOW, tick=False)
def test_household_vehicles_follow_their_own_rule_set_from_delivery(
    standard, zhang, agent_user
):
    car = product_model(
        actor=agent_user,
        code="EV-S5",
        category="vehicle",
        main_components=["engine", "transmission"],
    )
    registered = product(
        actor=agent_user,
        owner=zhang,
        model=car,
        serial="LVS00001",
        sale_date=date(2025, 3, 1),
        delivery_date=date(2025, 3, 10),
        installation_date=date(2025, 3, 20),
    )
    assert registered.legal_rule_set == "cn-vehicles-2021"
    assert registered.validity_start == date(2025, 3, 10)
    assert registered.validity_end == date(2027, 3, 9)
    assert registered.component_validity == {
        "engine": "2028-03-09",
        "transmission": "2028-03-09",
    }


@pytest.mark.parametrize(
    ("dates", "errors"),
    [
        (
            {"sale_date": date(2025, 5, 20), "delivery_date": date(2025, 5, 19)},
            {"delivery_date": ["Delivery cannot be before the sale."]},
        ),
        (
            {
                "sale_date": date(2025, 5, 20),
                "delivery_date": date(2025, 5, 25),
                "installation_date": date(2025, 5, 24),
            },
            {"installation_date": ["Installation cannot be before delivery."]},
        ),
        (
            {"sale_date": date(2025, 5, 20), "installation_date": date(2025, 5, 19)},
            {"installation_date": ["Installation cannot be before delivery."]},
        ),
        (
            {"sale_date": date(2026, 3, 3)},
            {"sale_date": ["The sale date cannot be in the future."]},
        ),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_product_register_refuses_impossible_dates(
    zhang, air_conditioner, agent_user, dates, errors
):
    with pytest.raises(ValidationError) as caught:
        services.product_register(
            actor=agent_user,
            customer=zhang,
            model=air_conditioner,
            serial="X1",
            **dates,
        )
    assert caught.value.message_dict == errors
    assert OwnedProduct.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_serial_is_unique_per_model(zhang, air_conditioner, agent_user):
    product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
    )
    other = Customer.objects.create(name="Li Na")

    with pytest.raises(ValidationError) as caught:
        services.product_register(
            actor=agent_user,
            customer=other,
            model=air_conditioner,
            serial="AC0001",
            sale_date=date(2025, 6, 20),
        )

    assert caught.value.message_dict == {
        "__all__": ["Owned product with this Model and Serial number already exists."]
    }
    assert list(OwnedProduct.objects.values_list("customer", "serial")) == [
        (zhang.pk, "AC0001")
    ]
    # the same serial on another model is another product
    washer = product_model(actor=agent_user, code="WM-8KG", category="washing_machine")
    product(
        actor=agent_user,
        owner=other,
        model=washer,
        serial="AC0001",
        sale_date=date(2025, 6, 20),
    )
    assert OwnedProduct.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_validity_event_add_extends_then_an_exchange_restarts(
    zhang, air_conditioner, agent_user
):
    unit = product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
        delivery_date=date(2025, 5, 25),
        installation_date=date(2025, 6, 1),
    )

    services.validity_event_add(
        product=unit, kind="repair_days", on=date(2025, 11, 3), days=20
    )
    services.validity_event_add(
        product=unit, kind="parts_wait_days", on=date(2025, 11, 3), days=10
    )

    stored = OwnedProduct.objects.get(pk=unit.pk)
    assert stored.validity_start == date(2025, 6, 1)
    assert stored.validity_end == date(2026, 6, 30)  # A10: 30 days later
    assert stored.component_validity == {"compressor": "2028-06-30"}

    services.validity_event_add(
        product=stored, kind="exchange", on=date(2026, 1, 15), reference="T-1"
    )

    stored = OwnedProduct.objects.get(pk=unit.pk)
    assert stored.validity_start == date(2026, 1, 15)
    assert stored.validity_end == date(2027, 1, 14)
    assert stored.component_validity == {"compressor": "2029-01-14"}
    assert list(
        ValidityEvent.objects.filter(product=unit)
        .order_by("pk")
        .values_list("kind", "on", "days", "reference")
    ) == [
        ("repair_days", date(2025, 11, 3), 20, ""),
        ("parts_wait_days", date(2025, 11, 3), 10, ""),
        ("exchange", date(2026, 1, 15), 0, "T-1"),
    ]


def test_validity_event_add_refuses_an_unknown_kind(zhang, air_conditioner, agent_user):
    unit = product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
    )
    with pytest.raises(ValidationError):
        services.validity_event_add(
            product=unit, kind="goodwill", on=date(2025, 11, 3), days=20
        )
    assert ValidityEvent.objects.count() == 0
    assert OwnedProduct.objects.get(pk=unit.pk).validity_end == date(2026, 5, 19)


def test_validity_event_add_moves_the_validity_of_a_product_read_by_its_selector(
    zhang, air_conditioner, agent_user
):
    unit = product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
        installation_date=date(2025, 6, 1),
    )
    read = selectors.product_get(user=agent_user, pk=unit.pk)

    services.validity_event_add(
        product=read, kind="repair_days", on=date(2025, 11, 3), days=20
    )

    assert OwnedProduct.objects.get(pk=unit.pk).validity_end == date(2026, 6, 20)


# --- Contact log --------------------------------------------------------------------------------


def test_contact_log_records_the_contact_and_touches_the_archive(zhang, agent_user):
    with time_machine.travel(NOW, tick=False):
        contact = services.contact_log(
            actor=agent_user,
            customer=zhang,
            channel="phone",
            summary="Asked about the filter",
            disposition="answered",
        )

    assert Contact.objects.filter(customer=zhang).values(
        "channel", "direction", "at", "received_by", "summary", "disposition"
    ).get() == {
        "channel": "phone",
        "direction": "inbound",
        "at": NOW,
        "received_by": agent_user.pk,
        "summary": "Asked about the filter",
        "disposition": "answered",
    }
    assert contact.at == NOW
    assert Customer.objects.get(pk=zhang.pk).last_activity_at == NOW


def test_contact_log_without_a_summary_stores_nothing(zhang, agent_user):
    with pytest.raises(ValidationError) as caught:
        services.contact_log(
            actor=agent_user, customer=zhang, channel="phone", summary=""
        )
    assert list(caught.value.message_dict) == ["summary"]
    assert Contact.objects.count() == 0
    assert Customer.objects.get(pk=zhang.pk).last_activity_at == NOW - timedelta(
        days=30
    )


def test_recording_an_old_contact_does_not_move_the_last_activity_back(
    zhang, agent_user
):
    with time_machine.travel(NOW, tick=False):
        services.contact_log(
            actor=agent_user,
            customer=zhang,
            channel="counter",
            summary="Walk-in written up from the paper log",
            at=NOW - timedelta(days=3 * 365),
        )
    assert Customer.objects.get(pk=zhang.pk).last_activity_at == NOW - timedelta(
        days=30
    )


def test_contact_set_disposition_refuses_an_unknown_one(zhang, agent_user):
    contact = services.contact_log(
        actor=agent_user, customer=zhang, channel="phone", summary="Called back"
    )
    with pytest.raises(ValidationError):
        services.contact_set_disposition(
            contact=contact, actor=agent_user, disposition="forgotten"
        )
    assert Contact.objects.get(pk=contact.pk).disposition == ""

    services.contact_set_disposition(
        contact=contact,
        actor=agent_user,
        disposition="linked",
        reference="T-20260302-1",
    )
    assert Contact.objects.values_list("disposition", "reference").get(
        pk=contact.pk
    ) == ("linked", "T-20260302-1")


# --- Merge --------------------------------------------------------------------------------------


@pytest.fixture
def duplicate_pair(agent_user, customer_user, air_conditioner):
    """Two archives of the same person; the duplicate has the login, an e-mail, a landline,
    a tag, a contact, a product and a later consent change."""
    survivor = customer(
        actor=agent_user, name="Zhang Wei", phones=["138 0013 8000"], tags=["VIP"]
    )
    duplicate = customer(
        actor=agent_user,
        name="张伟",
        phones=["+86 138 0013 8000", "(021) 6432 1234"],
        tags=["dealer referral"],
        email="zhang@example.com",
    )
    services.customer_update(
        customer=duplicate, actor=agent_user, consent_marketing=True
    )
    Customer.objects.filter(pk=duplicate.pk).update(user=customer_user)
    services.contact_log(
        actor=agent_user, customer=duplicate, channel="phone", summary="Noisy unit"
    )
    product(
        actor=agent_user,
        owner=duplicate,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
    )
    return (
        Customer.objects.get(pk=survivor.pk),
        Customer.objects.get(pk=duplicate.pk),
    )


def test_customer_merge_moves_everything_and_leaves_a_tombstone(
    duplicate_pair, agent_user, customer_user
):
    survivor, duplicate = duplicate_pair

    merged = services.customer_merge(
        survivor=survivor, duplicate=duplicate, actor=agent_user
    )

    assert merged.pk == survivor.pk
    survivor = Customer.objects.get(pk=survivor.pk)
    duplicate = Customer.objects.get(pk=duplicate.pk)
    assert duplicate.merged_into_id == survivor.pk
    assert survivor.merged_into_id is None
    assert survivor.user_id == customer_user.pk
    assert duplicate.user_id is None
    assert survivor.email == "zhang@example.com"
    assert list(survivor.phones.values_list("number", "is_primary")) == [
        ("+8613800138000", True),
        ("+862164321234", False),
    ]
    # the shared number stays on the tombstone; it is not doubled on the survivor
    assert list(duplicate.phones.values_list("number", flat=True)) == ["+8613800138000"]
    assert sorted(survivor.tags.values_list("name", flat=True)) == [
        "VIP",
        "dealer referral",
    ]
    assert list(survivor.contacts.values_list("summary", flat=True)) == ["Noisy unit"]
    assert list(survivor.products.values_list("serial", flat=True)) == ["AC0001"]
    assert survivor.consent_changes.count() == 5
    assert duplicate.contacts.count() == 0
    assert duplicate.products.count() == 0
    assert duplicate.consent_changes.count() == 0
    assert list(ArchiveAccess.objects.values_list("customer", "user", "action")) == [
        (survivor.pk, agent_user.pk, "merge")
    ]


def test_customer_merge_refuses_a_self_merge_and_a_second_merge(
    duplicate_pair, agent_user
):
    survivor, duplicate = duplicate_pair
    with pytest.raises(ValidationError) as caught:
        services.customer_merge(survivor=survivor, duplicate=survivor, actor=agent_user)
    assert caught.value.message_dict == {
        "duplicate": ["An archive cannot be merged into itself."]
    }

    services.customer_merge(survivor=survivor, duplicate=duplicate, actor=agent_user)
    third = customer(actor=agent_user, name="Zhang Wei (3)")
    before = (
        table(Customer),
        table(CustomerPhone),
        table(Contact),
        table(ArchiveAccess),
    )

    for pair in (
        {"survivor": third, "duplicate": Customer.objects.get(pk=duplicate.pk)},
        {"survivor": Customer.objects.get(pk=duplicate.pk), "duplicate": third},
    ):
        with pytest.raises(ValidationError) as caught:
            services.customer_merge(actor=agent_user, **pair)
        assert caught.value.message_dict == {
            "duplicate": ["This archive was already merged."]
        }
    after = (
        table(Customer),
        table(CustomerPhone),
        table(Contact),
        table(ArchiveAccess),
    )
    assert after == before


def test_customer_merge_is_refused_to_a_portal_customer(duplicate_pair, customer_user):
    survivor, duplicate = duplicate_pair
    with pytest.raises(PermissionDenied):
        services.customer_merge(
            survivor=survivor, duplicate=duplicate, actor=customer_user
        )
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_duplicate_read_before_it_was_merged_cannot_be_merged_again(agent_user):
    survivor = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    duplicate = customer(actor=agent_user, name="张伟", phones=["13800138000"])
    other = customer(actor=agent_user, name="Zhang Wei (other)")
    read_by_second_request = Customer.objects.get(pk=duplicate.pk)
    services.customer_merge(survivor=survivor, duplicate=duplicate, actor=agent_user)

    with pytest.raises(ValidationError):
        services.customer_merge(
            survivor=other, duplicate=read_by_second_request, actor=agent_user
        )
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


# --- Privacy: anonymise, retention, export -----------------------------------------------------


def test_customer_anonymise_removes_personal_data_and_keeps_the_rows(
    duplicate_pair, manager_user, customer_user
):
    _survivor, target = duplicate_pair
    Customer.objects.filter(pk=target.pk).update(address="上海市徐汇区漕溪北路 88 号")
    target = Customer.objects.get(pk=target.pk)

    with time_machine.travel(NOW, tick=False):
        services.customer_anonymise(customer=target, actor=manager_user)

    stored = Customer.objects.get(pk=target.pk)
    assert (stored.name, stored.search_name, stored.email, stored.address) == (
        "[removed]",
        "[removed]",
        "",
        "",
    )
    assert stored.anonymised_at == NOW
    assert stored.user_id is None
    assert (stored.consent_marketing, stored.consent_marketing_at) == (False, NOW)
    assert stored.phones.count() == 0
    assert stored.tags.count() == 0
    assert list(stored.contacts.values_list("summary", flat=True)) == ["[removed]"]
    assert list(stored.products.values_list("serial", flat=True)) == ["AC0001"]
    assert stored.consent_changes.count() == 3
    assert list(ArchiveAccess.objects.values_list("customer", "user", "action")) == [
        (target.pk, manager_user.pk, "anonymise")
    ]


def test_customer_anonymise_is_refused_to_an_agent_and_changes_nothing(
    duplicate_pair, agent_user
):
    _survivor, target = duplicate_pair
    before = (
        table(Customer),
        table(CustomerPhone),
        table(Contact),
        table(Customer.tags.through),
        table(ArchiveAccess),
    )

    with pytest.raises(PermissionDenied):
        services.customer_anonymise(customer=target, actor=agent_user)

    after = (
        table(Customer),
        table(CustomerPhone),
        table(Contact),
        table(Customer.tags.through),
        table(ArchiveAccess),
    )
    assert after == before


def test_customer_anonymise_twice_is_refused(zhang, manager_user):
    services.customer_anonymise(customer=zhang, actor=manager_user)
    with pytest.raises(ValidationError):
        services.customer_anonymise(
            customer=Customer.objects.get(pk=zhang.pk), actor=manager_user
        )
    assert ArchiveAccess.objects.filter(action="anonymise").count() == 1


def test_anonymising_a_survivor_leaves_no_personal_data_in_its_merged_tombstones(
    duplicate_pair, agent_user, manager_user
):
    survivor, duplicate = duplicate_pair
    services.customer_merge(survivor=survivor, duplicate=duplicate, actor=agent_user)

    services.customer_anonymise(
        customer=Customer.objects.get(pk=survivor.pk), actor=manager_user
    )

    assert list(Customer.objects.values_list("name", flat=True)) == [
        "[removed]",
        "[removed]",
    ]
    assert CustomerPhone.objects.count() == 0


def test_retention_sweep_anonymises_only_archives_inactive_past_the_period(
    settings, agent_user
):
    settings.AFTERSALES_RETENTION_DAYS = 365
    with time_machine.travel(NOW - timedelta(days=400), tick=False):
        stale = customer(actor=agent_user, name="Old Customer", phones=["13800138001"])
        called = customer(actor=agent_user, name="Old But Called")
    with time_machine.travel(NOW - timedelta(days=365), tick=False):
        boundary = customer(actor=agent_user, name="Exactly A Year")
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        services.contact_log(
            actor=agent_user, customer=called, channel="phone", summary="Still here"
        )
        recent = customer(actor=agent_user, name="Recent Customer")

    assert services.retention_sweep(now=NOW) == 1

    names = dict(Customer.objects.values_list("pk", "name"))
    assert names == {
        stale.pk: "[removed]",
        called.pk: "Old But Called",
        boundary.pk: "Exactly A Year",
        recent.pk: "Recent Customer",
    }
    assert Customer.objects.get(pk=stale.pk).anonymised_at == NOW
    assert CustomerPhone.objects.filter(customer=stale).count() == 0

    # idempotent: a second run touches nothing
    assert services.retention_sweep(now=NOW) == 0
    assert list(
        JobRun.objects.order_by("pk").values_list("name", "status", "items")
    ) == [
        ("archive_retention", "succeeded", 1),
        ("archive_retention", "succeeded", 0),
    ]


def test_retention_sweep_task_runs_the_sweep(settings, agent_user):
    settings.AFTERSALES_RETENTION_DAYS = 30
    with time_machine.travel(datetime.now(SHANGHAI) - timedelta(days=31), tick=False):
        customer(actor=agent_user, name="Gone Quiet")

    assert retention_sweep_task.delay().get() == 1
    assert list(Customer.objects.values_list("name", flat=True)) == ["[removed]"]
    assert JobRun.objects.get().items == 1


def test_customer_export_data_holds_every_section_and_is_logged(
    duplicate_pair, agent_user
):
    _survivor, person = duplicate_pair

    with time_machine.travel(NOW, tick=False):
        data = services.customer_export_data(customer=person, actor=agent_user)

    assert list(data) == [
        "exported_at",
        "customer",
        "phones",
        "consent_changes",
        "products",
        "contacts",
        "archive_accesses",
    ]
    assert datetime.fromisoformat(data["exported_at"]) == NOW
    assert data["customer"]["name"] == "张伟"
    assert data["customer"]["email"] == "zhang@example.com"
    assert data["customer"]["tags"] == ["dealer referral"]
    assert "search_name" not in data["customer"]
    assert [p["number"] for p in data["phones"]] == ["+8613800138000", "+862164321234"]
    assert [(c["kind"], c["granted"]) for c in data["consent_changes"]] == [
        ("marketing", True),
        ("marketing", False),
        ("service", True),
    ]
    assert [(p["serial"], p["validity_end"]) for p in data["products"]] == [
        ("AC0001", "2026-05-19")
    ]
    assert [c["summary"] for c in data["contacts"]] == ["Noisy unit"]
    assert [(a["user"], a["action"]) for a in data["archive_accesses"]] == [
        (agent_user.pk, "export")
    ]
    assert json.loads(json.dumps(data)) == data  # plain JSON, no custom encoder needed
    assert list(ArchiveAccess.objects.values_list("customer", "user", "action")) == [
        (person.pk, agent_user.pk, "export")
    ]
