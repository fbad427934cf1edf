"""Archive API (shared/api.md "Customer archive"): customers with search by phone in any
format, consent changes and privacy actions; owned products with computed, read-only validity;
the contact log; parties and product models; scope (404), roles (403), sign-in (401),
pagination and query counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers import services
from customers.models import (
    ArchiveAccess,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    Party,
    ProductModel,
)
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import (
    LAW_2024,
    ContactFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    OwnedProductFactory,
    PartyFactory,
    customer,
    product,
    product_model,
    service_standard_in_force,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def table(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


def authenticated(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def standard(unit_tree):
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
def zhang(agent_user, unit_tree):
    return customer(
        actor=agent_user,
        name="张伟 Zhang Wei",
        phones=["+86 138 0013 8000"],
        email="zhang@example.com",
        segment="regular",
        unit=unit_tree["br"],
    )


@pytest.fixture
def li_na(agent_user):
    return customer(actor=agent_user, name="Li Na", phones=["(021) 6432 1234"])


@pytest.fixture
def other_branch(unit_tree):
    """Branch B with its own agent and an archive it serves."""
    branch_b = UnitFactory(code="br-b", kind="branch", parent=unit_tree["co"])
    hotline_b = UnitFactory(code="hot-b", kind="hotline", parent=branch_b)
    return {
        "unit": branch_b,
        "agent": UserFactory(username="zhou", roles=["agent"], units=[hotline_b]),
        "customer": CustomerFactory(name="Served by B", unit=branch_b),
    }


@pytest.fixture
def manager_api(manager_user):
    return authenticated(manager_user)


# --- Customers ----------------------------------------------------------------------------------


def test_the_customer_list_has_the_contract_fields(agent_api, zhang):
    response = agent_api.get(f"{API}/customers/")
    assert response.status_code == 200
    assert response.data["count"] == 1
    assert (response.data["next"], response.data["previous"]) == (None, None)
    row = response.json()["results"][0]
    stored = Customer.objects.get(pk=zhang.pk)
    assert {
        key: row[key] for key in ("name", "kind", "phones", "email", "segment")
    } == {
        "name": "张伟 Zhang Wei",
        "kind": "person",
        "phones": ["+8613800138000"],
        "email": "zhang@example.com",
        "segment": "regular",
    }
    consent = row["consent"]
    assert (consent["service"]["granted"], consent["marketing"]["granted"]) == (
        True,
        False,
    )
    assert datetime.fromisoformat(consent["service"]["at"]) == stored.consent_service_at
    assert (
        datetime.fromisoformat(consent["marketing"]["at"])
        == stored.consent_marketing_at
    )
    assert row["id"] == zhang.pk


@pytest.mark.parametrize(
    "q",
    [
        "+86 138 0013 8000",
        "+8613800138000",
        "138 0013 8000",
        "138-0013-8000",
        "0086 13800138000",
        "13800138000",
        "1380",
        "张伟",
        "zhang",
        "zhang@example.com",
    ],
)
def test_customer_search_by_phone_in_any_format(agent_api, zhang, li_na, q):
    response = agent_api.get(f"{API}/customers/", {"q": q})
    assert response.status_code == 200
    assert [row["name"] for row in response.data["results"]] == ["张伟 Zhang Wei"]


def test_a_landline_is_found_in_its_local_format(agent_api, zhang, li_na):
    response = agent_api.get(f"{API}/customers/", {"q": "(021) 6432 1234"})
    assert [row["name"] for row in response.data["results"]] == ["Li Na"]


def test_customers_are_filtered_by_segment(agent_api, zhang, li_na):
    response = agent_api.get(f"{API}/customers/", {"segment": "regular"})
    assert [row["name"] for row in response.data["results"]] == ["张伟 Zhang Wei"]


def test_the_customer_list_is_paged_by_name(agent_api):
    for name in ("Chen Jing", "an Qi", "Bai Lu"):
        CustomerFactory(name=name)
    first = agent_api.get(f"{API}/customers/", {"page_size": 2})
    second = agent_api.get(f"{API}/customers/", {"page_size": 2, "page": 2})
    assert [row["name"] for row in first.data["results"]] == ["an Qi", "Bai Lu"]
    assert [row["name"] for row in second.data["results"]] == ["Chen Jing"]
    assert first.data["count"] == 3


def test_post_opens_an_archive_with_normalised_phones(agent_api, agent_user):
    response = agent_api.post(
        f"{API}/customers/",
        {
            "name": "Wang Fang",
            "phones": ["138-0013-8001", "(021) 6432 1234"],
            "email": "wang@example.com",
            "consent_marketing": True,
            "tags": ["VIP"],
        },
        format="json",
    )
    assert response.status_code == 201
    created = Customer.objects.get()
    assert response.data["id"] == created.pk
    assert response.data["phones"] == ["+8613800138001", "+862164321234"]
    assert response.data["tags"] == ["VIP"]
    assert response.data["consent"]["marketing"]["granted"] is True
    assert list(
        ConsentChange.objects.order_by("pk").values_list(
            "kind", "granted", "recorded_by"
        )
    ) == [("service", True, agent_user.pk), ("marketing", True, agent_user.pk)]


def test_post_with_an_invalid_phone_answers_400_and_stores_nothing(agent_api):
    response = agent_api.post(
        f"{API}/customers/",
        {"name": "Wang Fang", "phones": ["138 0013 8001", "12345"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"phones": ["“12345” is not a valid phone number."]}
    assert Customer.objects.count() == 0
    assert CustomerPhone.objects.count() == 0
    assert ConsentChange.objects.count() == 0


def test_post_for_another_branch_answers_as_it_stores(agent_api, other_branch):
    response = agent_api.post(
        f"{API}/customers/",
        {"name": "Wang Fang", "unit": other_branch["unit"].pk},
        format="json",
    )
    stored = Customer.objects.filter(name="Wang Fang").exists()
    assert (response.status_code, stored) in {(201, True), (400, False), (403, False)}


def test_patch_changes_consent_and_logs_it_once(agent_api, agent_user, zhang):
    response = agent_api.patch(
        f"{API}/customers/{zhang.pk}/",
        {"consent_marketing": True, "consent_service": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["consent"]["marketing"]["granted"] is True
    assert response.data["consent"]["service"]["granted"] is True
    assert list(
        ConsentChange.objects.order_by("pk").values_list(
            "kind", "granted", "recorded_by"
        )
    ) == [
        ("service", True, agent_user.pk),
        ("marketing", False, agent_user.pk),
        ("marketing", True, agent_user.pk),
    ]
    agent_api.patch(
        f"{API}/customers/{zhang.pk}/", {"consent_marketing": True}, format="json"
    )
    assert ConsentChange.objects.count() == 3


def test_patch_with_an_invalid_phone_changes_nothing(agent_api, zhang):
    before = (table(Customer), table(CustomerPhone), table(ConsentChange))
    response = agent_api.patch(
        f"{API}/customers/{zhang.pk}/",
        {"name": "Zhang San", "phones": ["999"], "consent_marketing": True},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"phones": ["“999” is not a valid phone number."]}
    assert (table(Customer), table(CustomerPhone), table(ConsentChange)) == before


def test_retrieving_an_archive_is_logged(agent_api, agent_user, zhang):
    response = agent_api.get(f"{API}/customers/{zhang.pk}/")
    assert response.status_code == 200
    assert response.data["name"] == "张伟 Zhang Wei"
    assert list(ArchiveAccess.objects.values_list("customer", "user", "action")) == [
        (zhang.pk, agent_user.pk, "view")
    ]


def test_the_timeline_lists_contacts_and_consent_newest_first(
    agent_api, agent_user, zhang
):
    services.contact_log(
        actor=agent_user,
        customer=zhang,
        channel="phone",
        summary="Asked about the filter",
        disposition="answered",
        at=timezone.now() + timedelta(minutes=1),
    )
    response = agent_api.get(f"{API}/customers/{zhang.pk}/timeline/")
    assert response.status_code == 200
    assert [(e["kind"], e["title"]) for e in response.data] == [
        ("contact", "Inbound · Phone"),
        ("consent", "Marketing: ✗"),
        ("consent", "Service contact: ✓"),
    ]
    assert response.data[0]["detail"] == "Asked about the filter"
    assert response.data[0]["status"] == "Answered on the spot"
    assert set(response.data[0]) == {
        "at",
        "kind",
        "title",
        "detail",
        "status",
        "url",
        "by",
    }


def test_export_returns_every_section_and_is_logged(agent_api, agent_user, zhang):
    response = agent_api.get(f"{API}/customers/{zhang.pk}/export/")
    assert response.status_code == 200
    assert set(response.data) == {
        "exported_at",
        "customer",
        "phones",
        "consent_changes",
        "products",
        "contacts",
        "archive_accesses",
    }
    assert response.data["customer"]["name"] == "张伟 Zhang Wei"
    assert list(ArchiveAccess.objects.values_list("customer", "user", "action")) == [
        (zhang.pk, agent_user.pk, "export")
    ]


def test_a_manager_anonymises_through_the_api(manager_api, manager_user, zhang):
    response = manager_api.post(f"{API}/customers/{zhang.pk}/anonymise/")
    assert response.status_code == 200
    assert response.data["name"] == "[removed]"
    assert response.data["phones"] == []
    assert response.data["anonymised_at"] is not None
    assert list(ArchiveAccess.objects.values_list("user", "action")) == [
        (manager_user.pk, "anonymise")
    ]


def test_an_agent_cannot_anonymise_through_the_api(agent_api, zhang):
    before = (table(Customer), table(CustomerPhone), table(ArchiveAccess))
    response = agent_api.post(f"{API}/customers/{zhang.pk}/anonymise/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only managers and administrators anonymise customer archives."
    }
    assert (table(Customer), table(CustomerPhone), table(ArchiveAccess)) == before


def test_an_out_of_scope_archive_answers_404(agent_api, other_branch, manager_api):
    target = other_branch["customer"]
    before = (table(Customer), table(ConsentChange), table(ArchiveAccess))
    for method, path in [
        ("get", f"{API}/customers/{target.pk}/"),
        ("get", f"{API}/customers/{target.pk}/timeline/"),
        ("get", f"{API}/customers/{target.pk}/export/"),
        ("patch", f"{API}/customers/{target.pk}/"),
        ("post", f"{API}/customers/{target.pk}/anonymise/"),
    ]:
        response = getattr(agent_api, method)(
            path, {"consent_marketing": True}, format="json"
        )
        assert response.status_code == 404, path
    assert (table(Customer), table(ConsentChange), table(ArchiveAccess)) == before
    assert [
        row["name"] for row in agent_api.get(f"{API}/customers/").data["results"]
    ] == []
    # the manager sees every branch
    assert manager_api.get(f"{API}/customers/{target.pk}/").status_code == 200


def test_a_merged_archive_is_not_listed(agent_api, agent_user, zhang):
    duplicate = customer(actor=agent_user, name="张伟", phones=["13800138000"])
    services.customer_merge(survivor=zhang, duplicate=duplicate, actor=agent_user)
    response = agent_api.get(f"{API}/customers/", {"q": "13800138000"})
    assert [row["id"] for row in response.data["results"]] == [zhang.pk]
    assert agent_api.get(f"{API}/customers/{duplicate.pk}/").status_code == 404


# --- Owned products -----------------------------------------------------------------------------


def product_payload(owner, model, **changes) -> dict:
    return {
        "customer": owner.pk,
        "model": model.pk,
        "serial": "AC0001",
        "sale_date": "2025-05-20",
        "delivery_date": "2025-05-25",
        "installation_date": "2025-06-01",
        "invoice_number": "FP00000001",
        "invoice_price": "3999.00",
        **changes,
    }


def test_post_registers_a_product_and_ignores_sent_validity(
    agent_api, zhang, air_conditioner
):
    response = agent_api.post(
        f"{API}/products/",
        product_payload(
            zhang,
            air_conditioner,
            validity_start="2020-01-01",
            validity_end="2030-12-31",
            legal_rule_set="cn-sanbao-1995",
        ),
        format="json",
    )
    assert response.status_code == 201
    stored = OwnedProduct.objects.get()
    assert response.data["id"] == stored.pk
    assert (response.data["validity_start"], response.data["validity_end"]) == (
        "2025-06-01",
        "2026-05-31",
    )
    assert response.data["legal_rule_set"] == LAW_2024
    assert response.data["component_validity"] == {"compressor": "2028-05-31"}
    assert (stored.validity_start, stored.validity_end) == (
        date(2025, 6, 1),
        date(2026, 5, 31),
    )


def test_the_product_list_has_the_contract_fields(
    agent_api, agent_user, zhang, air_conditioner
):
    product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
        delivery_date=date(2025, 5, 25),
        installation_date=date(2025, 6, 1),
    )
    response = agent_api.get(f"{API}/products/", {"customer": zhang.pk})
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert {
        key: row[key]
        for key in (
            "customer",
            "model",
            "serial",
            "sale_date",
            "delivery_date",
            "installation_date",
            "invoice_price",
            "validity_start",
            "validity_end",
        )
    } == {
        "customer": zhang.pk,
        "model": air_conditioner.pk,
        "serial": "AC0001",
        "sale_date": "2025-05-20",
        "delivery_date": "2025-05-25",
        "installation_date": "2025-06-01",
        "invoice_price": None,
        "validity_start": "2025-06-01",
        "validity_end": "2026-05-31",
    }


def test_a_product_patch_cannot_write_the_validity(
    agent_api, agent_user, zhang, air_conditioner
):
    owned = product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
        installation_date=date(2025, 6, 1),
    )
    response = agent_api.patch(
        f"{API}/products/{owned.pk}/",
        {"validity_end": "2030-12-31", "invoice_number": "FP2"},
        format="json",
    )
    assert response.status_code == 200
    stored = OwnedProduct.objects.get(pk=owned.pk)
    assert (stored.invoice_number, stored.validity_end) == ("FP2", date(2026, 5, 31))


def test_a_second_product_with_the_serial_answers_400(
    agent_api, agent_user, zhang, air_conditioner
):
    product(
        actor=agent_user,
        owner=zhang,
        model=air_conditioner,
        serial="AC0001",
        sale_date=date(2025, 5, 20),
    )
    response = agent_api.post(
        f"{API}/products/", product_payload(zhang, air_conditioner), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Owned product with this Model and Serial number already exists."
        ]
    }
    assert OwnedProduct.objects.count() == 1


def test_impossible_dates_answer_400(agent_api, zhang, air_conditioner):
    response = agent_api.post(
        f"{API}/products/",
        product_payload(zhang, air_conditioner, installation_date="2025-05-24"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "installation_date": ["Installation cannot be before delivery."]
    }
    assert OwnedProduct.objects.count() == 0


def test_a_product_for_an_out_of_scope_archive_answers_404(
    agent_api, other_branch, air_conditioner
):
    response = agent_api.post(
        f"{API}/products/",
        product_payload(other_branch["customer"], air_conditioner),
        format="json",
    )
    assert response.status_code == 404
    assert OwnedProduct.objects.count() == 0


# --- Contacts -----------------------------------------------------------------------------------


def test_post_logs_a_contact_with_the_contract_fields(agent_api, zhang):
    response = agent_api.post(
        f"{API}/contacts/",
        {
            "customer": zhang.pk,
            "channel": "phone",
            "summary": "Asked about the filter",
            "disposition": "answered",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Contact.objects.get().summary == "Asked about the filter"


def test_post_logs_a_contact_with_its_disposition(agent_api, agent_user, zhang):
    at = timezone.now().replace(microsecond=0)
    response = agent_api.post(
        f"{API}/contacts/",
        {
            "customer": zhang.pk,
            "channel": "phone",
            "at": at.isoformat(),
            "summary": "Asked about the filter",
            "disposition": "ticket_created",
            "ticket": "T-20260302-0001",
        },
        format="json",
    )
    assert response.status_code == 201
    assert list(
        Contact.objects.values_list(
            "customer",
            "channel",
            "at",
            "summary",
            "disposition",
            "reference",
            "received_by",
        )
    ) == [
        (
            zhang.pk,
            "phone",
            at,
            "Asked about the filter",
            "ticket_created",
            "T-20260302-0001",
            agent_user.pk,
        )
    ]
    assert response.data["ticket"] == "T-20260302-0001"
    assert response.data["received_by"] == agent_user.pk
    # Activity only moves forward: a contact before the archive's last activity keeps it.
    assert Customer.objects.get(pk=zhang.pk).last_activity_at == max(
        at, zhang.last_activity_at
    )


def test_a_contact_for_an_out_of_scope_archive_answers_404(agent_api, other_branch):
    response = agent_api.post(
        f"{API}/contacts/",
        {
            "customer": other_branch["customer"].pk,
            "channel": "phone",
            "at": timezone.now().isoformat(),
            "summary": "Hello",
            "disposition": "answered",
        },
        format="json",
    )
    assert response.status_code == 404
    assert Contact.objects.count() == 0


def test_contacts_are_filtered_by_disposition(agent_api, agent_user, zhang):
    for summary, disposition in [
        ("Answered", "answered"),
        ("Handed over", "handed_over"),
        ("Open", ""),
    ]:
        services.contact_log(
            actor=agent_user,
            customer=zhang,
            channel="phone",
            summary=summary,
            disposition=disposition,
        )
    response = agent_api.get(f"{API}/contacts/", {"disposition": "handed_over"})
    assert [row["summary"] for row in response.data["results"]] == ["Handed over"]
    assert agent_api.get(f"{API}/contacts/", {"disposition": "lost"}).status_code == 400


def test_disposition_none_lists_contacts_without_one(agent_api, agent_user, zhang):
    for summary, disposition in [("Answered", "answered"), ("Open", "")]:
        services.contact_log(
            actor=agent_user,
            customer=zhang,
            channel="phone",
            summary=summary,
            disposition=disposition,
        )
    response = agent_api.get(f"{API}/contacts/?disposition=none")
    assert [row["summary"] for row in response.data["results"]] == ["Open"]


# --- Parties and product models -------------------------------------------------------------


def test_parties_are_listed_filtered_and_created(agent_api):
    PartyFactory(name="ACME Appliances", kind="producer")
    PartyFactory(name="Swift Logistics", kind="carrier")
    response = agent_api.get(f"{API}/parties/", {"kind": "carrier"})
    assert [(r["name"], r["kind"]) for r in response.data["results"]] == [
        ("Swift Logistics", "carrier")
    ]
    created = agent_api.post(
        f"{API}/parties/",
        {"name": "HomeFit Installers", "kind": "installer"},
        format="json",
    )
    assert created.status_code == 201
    assert (
        Party.objects.filter(name="HomeFit Installers", kind="installer").count() == 1
    )


def test_product_models_are_listed_and_created(agent_api):
    maker = PartyFactory(name="ACME Appliances", kind="producer")
    response = agent_api.post(
        f"{API}/product-models/",
        {
            "code": "RF-520-DD",
            "name": "Double-door refrigerator 520 L",
            "category": "refrigerator",
            "producer": maker.pk,
            "main_components": ["compressor"],
        },
        format="json",
    )
    assert response.status_code == 201
    listed = agent_api.get(f"{API}/product-models/", {"category": "refrigerator"})
    assert [
        {k: r[k] for k in ("code", "name", "category", "producer")}
        for r in listed.data["results"]
    ] == [
        {
            "code": "RF-520-DD",
            "name": "Double-door refrigerator 520 L",
            "category": "refrigerator",
            "producer": maker.pk,
        }
    ]
    assert ProductModel.objects.get().main_components == ["compressor"]


# --- Roles, sign-in, pagination, query counts ----------------------------------------------


ENDPOINTS = [
    ("get", "customers/"),
    ("post", "customers/"),
    ("get", "customers/{customer}/"),
    ("patch", "customers/{customer}/"),
    ("get", "customers/{customer}/timeline/"),
    ("get", "customers/{customer}/export/"),
    ("post", "customers/{customer}/anonymise/"),
    ("get", "products/"),
    ("post", "products/"),
    ("get", "contacts/"),
    ("post", "contacts/"),
    ("get", "parties/"),
    ("post", "parties/"),
    ("get", "product-models/"),
    ("post", "product-models/"),
]


def test_a_portal_customer_gets_403_everywhere(customer_user):
    own = CustomerFactory(name="Own archive", user=customer_user)
    api = authenticated(customer_user)
    before = (table(Customer), table(Contact), table(ArchiveAccess), table(Party))
    for method, path in ENDPOINTS:
        response = getattr(api, method)(
            f"{API}/{path.format(customer=own.pk)}",
            {"name": "X", "kind": "producer"},
            format="json",
        )
        assert response.status_code == 403, path
        assert response.json() == {"detail": "Only staff may use this endpoint."}
    assert (
        table(Customer),
        table(Contact),
        table(ArchiveAccess),
        table(Party),
    ) == before


def test_an_unauthenticated_client_gets_401_everywhere(api_client, zhang):
    for method, path in ENDPOINTS:
        response = getattr(api_client, method)(
            f"{API}/{path.format(customer=zhang.pk)}", {}, format="json"
        )
        assert response.status_code == 401, path
        assert response.json() == {
            "detail": "Authentication credentials were not provided."
        }


def test_page_size_is_capped_at_200(agent_api):
    Party.objects.bulk_create(
        Party(name=f"Seller {index:03d}", kind="seller") for index in range(201)
    )
    response = agent_api.get(f"{API}/parties/", {"page_size": 500})
    assert response.data["count"] == 201
    assert len(response.data["results"]) == 200
    small = agent_api.get(f"{API}/parties/", {"page_size": 5})
    assert len(small.data["results"]) == 5


def rows_for_query_counts(count: int) -> None:
    for _ in range(count):
        person = CustomerFactory()
        CustomerPhoneFactory(customer=person)
        OwnedProductFactory(customer=person)
        ContactFactory(customer=person)


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    ("path", "queries"),
    # (customers/: and the access log's one row: who was shown how many)
    [("customers/", 7), ("products/", 4), ("contacts/", 4)],
)
def test_list_query_counts_are_flat(
    agent_api, agent_user, count, path, queries, django_assert_max_num_queries
):
    rows_for_query_counts(count)
    # roles and units of the caller, count, page (and prefetches): the same for 3 or 30 rows
    with django_assert_max_num_queries(queries):
        response = agent_api.get(f"{API}/{path}")
    assert response.status_code == 200
    assert len(response.data["results"]) == count


def test_lists_searches_and_timelines_are_in_the_access_log(
    agent_api, agent_user, zhang, manager_user, client
):
    ArchiveAccess.objects.all().delete()
    agent_api.get(f"{API}/customers/")
    agent_api.get(f"{API}/customers/", {"q": "Zhang"})
    agent_api.get(f"{API}/customers/{zhang.pk}/timeline/")
    rows = list(
        ArchiveAccess.objects.order_by("pk").values_list(
            "user__username", "action", "what", "count", "customer_id"
        )
    )
    assert rows == [
        ("li", "list", "api", 1, None),
        ("li", "search", "api Zhang", 1, None),
        ("li", "timeline", "", 1, zhang.pk),
    ]
    # the managers read it per person
    client.force_login(manager_user)
    page = client.get(f"/customers/access-log/users/{agent_user.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "api Zhang" in html
    assert html.count("<tr>") == 4  # the header and three rows
    client.force_login(agent_user)
    assert (
        client.get(f"/customers/access-log/users/{agent_user.pk}/").status_code == 403
    )
