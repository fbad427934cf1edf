"""Compensation and recourse API (shared/api.md "Tickets"): `/tickets/{id}/compensations/`,
`/recourse-claims/` with its filters and one command per lifecycle step,
`/parties/{id}/ledger/`; 400 field errors, 404 outside the scope, 409 `invalid_transition`,
403 for customers and for a write-off without a manager; flat query count of the list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.aftersales.factories import UserFactory
from tests.tickets import test_recourse as shared
from tests.tickets.test_recourse import A, attachment, case, claim_in, paid
from tickets.models import Compensation, RecourseClaim, TicketEvent
from tickets.recourse import services

pytestmark = pytest.mark.django_db
API = "/api/v1"
# The shared fixtures (pytest finds them by name in this module).
clock, people, acme, store = shared.clock, shared.people, shared.acme, shared.store

CLAIM_FIELDS = {
    "id", "number", "ticket", "party", "claimant", "basis", "amount", "status",
    "recovered_amount", "limitation_date", "response_due_on", "evidence",
    "compensations",
}  # fmt: skip


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def outsider(unit_tree):
    """An agent of the workshop: the hotline's cases are out of their scope."""
    return UserFactory(roles=["agent"], units=[unit_tree["ws"]])


# --- Compensations of a case -------------------------------------------------------------------


def test_post_a_compensation_by_case_number_drafts_the_claim(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    response = client_for(agent).post(
        f"{API}/tickets/{ticket.number}/compensations/",
        {"kind": "property_damage", "amount": "3000.00"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "3000.00"
    assert body["liability"] == "producer_defect"
    assert body["party"] == acme.pk
    assert body["paid_on"] == "2026-11-28"
    assert body["awaiting_approval"] is False
    claim = RecourseClaim.objects.get()
    assert body["recourse_claim"] == claim.pk
    assert body["recourse_claim_number"] == claim.number


def test_post_by_id_with_a_liability_and_party(clock, people, acme, store):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="customer_misuse")

    response = client_for(agent).post(
        f"{API}/tickets/{ticket.pk}/compensations/",
        {"kind": "exchange", "amount": "2599", "liability": "seller_storage",
         "party": store.pk},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    assert RecourseClaim.objects.get().party == store


def test_get_lists_the_compensations_of_the_case(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    paid(ticket, agent, "100")
    paid(ticket, agent, "8000")

    response = client_for(agent).get(f"{API}/tickets/{ticket.pk}/compensations/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(c["amount"], c["awaiting_approval"]) for c in body["results"]] == [
        ("8000.00", True),
        ("100.00", False),
    ]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"kind", "amount"}),
        ({"kind": "gift", "amount": "10"}, {"kind"}),
        ({"kind": "refund", "amount": "-1"}, {"amount"}),
        ({"kind": "refund", "amount": "0"}, {"amount"}),
        ({"kind": "refund", "amount": "10", "party": 999999}, {"party"}),
        ({"kind": "refund", "amount": "10", "liability": "installer"}, {"party"}),
    ],
)
def test_bad_compensations_are_400_with_field_errors_and_store_nothing(
    clock, people, payload, fields
):
    agent = people["agent"]
    ticket = case(agent, liability="producer_defect")  # no product: no producer

    response = client_for(agent).post(
        f"{API}/tickets/{ticket.pk}/compensations/", payload, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert Compensation.objects.count() == 0


@pytest.mark.parametrize(
    ("liability", "missing"),
    [("seller_storage", "seller"), ("carrier", "carrier"), ("installer", "installer")],
)
def test_a_third_party_with_no_party_on_the_product_record_is_a_party_error(
    clock, people, acme, liability, missing
):
    # given: the product has a producer but no seller, carrier or installer on record
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability=liability)

    response = client_for(agent).post(
        f"{API}/tickets/{ticket.pk}/compensations/",
        {"kind": "property_damage", "amount": "800"},
        format="json",
    )

    # then: the caller is asked to name the party; the producer is not claimed
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"party"}
    assert missing in body["party"][0]
    assert Compensation.objects.count() == 0
    assert RecourseClaim.objects.count() == 0


def test_compensations_of_a_case_outside_the_scope_are_404(
    clock, people, acme, outsider
):
    ticket = case(people["agent"], maker=acme, liability="producer_defect")
    client = client_for(outsider)

    assert client.get(f"{API}/tickets/{ticket.pk}/compensations/").status_code == 404
    response = client.post(
        f"{API}/tickets/{ticket.pk}/compensations/",
        {"kind": "refund", "amount": "10"},
        format="json",
    )
    assert response.status_code == 404
    assert Compensation.objects.count() == 0


def test_customers_get_403_everywhere(clock, people, acme, customer_user):
    ticket = case(people["agent"], maker=acme, liability="producer_defect")
    claim = paid(ticket, people["agent"], "100").recourse_claim
    client = client_for(customer_user)

    assert client.get(f"{API}/tickets/{ticket.pk}/compensations/").status_code == 403
    assert (
        client.post(
            f"{API}/tickets/{ticket.pk}/compensations/",
            {"kind": "refund", "amount": "10"},
            format="json",
        ).status_code
        == 403
    )
    assert client.get(f"{API}/recourse-claims/").status_code == 403
    assert client.get(f"{API}/recourse-claims/{claim.pk}/").status_code == 403
    assert client.post(f"{API}/recourse-claims/{claim.pk}/ready/").status_code == 403
    assert client.get(f"{API}/parties/{acme.pk}/ledger/").status_code == 403
    assert Compensation.objects.count() == 1


def test_anonymous_callers_are_refused(clock, people, acme):
    response = APIClient().get(f"{API}/parties/{acme.pk}/ledger/")

    assert response.status_code in {401, 403}


def test_a_supervisor_approves_a_waiting_compensation(clock, people, acme):
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")

    own = client_for(agent).post(f"{API}/compensations/{compensation.pk}/approve/")
    response = client_for(supervisor).post(
        f"{API}/compensations/{compensation.pk}/approve/",
        {"paid_on": "2026-11-27"},
        format="json",
    )

    assert own.status_code == 403
    assert response.status_code == 200
    assert response.json()["paid_on"] == "2026-11-27"
    assert response.json()["approved_by"] == supervisor.pk
    again = client_for(people["manager"]).post(
        f"{API}/compensations/{compensation.pk}/approve/"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


# --- Recourse claims -------------------------------------------------------------------------


def test_claim_detail_has_the_contract_fields(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    photo = attachment(ticket)
    compensation = paid(ticket, agent, "3000")
    claim = compensation.recourse_claim

    body = client_for(agent).get(f"{API}/recourse-claims/{claim.pk}/").json()

    assert set(body) >= CLAIM_FIELDS
    assert body["number"] == claim.number
    assert body["ticket"] == ticket.pk
    assert body["party"] == acme.pk
    assert body["claimant"] is None
    assert body["amount"] == "3000.00"
    assert body["recovered_amount"] == "0.00"
    assert body["status"] == "draft"
    assert body["limitation_date"] == "2029-11-28"
    assert body["response_due_on"] is None
    assert body["evidence"] == [photo.pk]
    assert body["compensations"] == [compensation.pk]
    assert body["actions"] == ["ready"]
    by_number = client_for(agent).get(f"{API}/recourse-claims/{claim.number}/")
    assert by_number.json()["id"] == claim.pk


def test_the_whole_lifecycle_through_the_api(clock, people, store):
    agent, manager = people["agent"], people["manager"]
    claim = claim_in("draft", agent, store)
    client = client_for(agent)
    url = f"{API}/recourse-claims/{claim.pk}"

    assert client.post(f"{url}/ready/").json()["status"] == "ready"
    submitted = client.post(f"{url}/submit/").json()
    assert (submitted["status"], submitted["response_due_on"]) == (
        "submitted",
        "2026-12-28",
    )
    assert client.post(f"{url}/acknowledge/").json()["status"] == "acknowledged"
    assert client.post(f"{url}/negotiate/").json()["status"] == "negotiating"
    settled = client.post(
        f"{url}/settle/", {"recovered_amount": "1000.00"}, format="json"
    ).json()
    assert (settled["status"], settled["recovered_amount"]) == (
        "settled_partial",
        "1000.00",
    )
    assert client.post(f"{url}/escalate/").json()["status"] == "escalated"
    forbidden = client.post(f"{url}/write-off/", {"reason": "x"}, format="json")
    assert forbidden.status_code == 403
    written = client_for(manager).post(
        f"{url}/write-off/", {"reason": "Court costs exceed the rest."}, format="json"
    )
    assert written.status_code == 200
    assert written.json()["status"] == "written_off"
    assert written.json()["approved_by"] == manager.pk


def test_reject_then_close(clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)
    client = client_for(agent)
    url = f"{API}/recourse-claims/{claim.pk}"

    assert client.post(f"{url}/reject/", {}, format="json").status_code == 400
    rejected = client.post(f"{url}/reject/", {"reason": "Denied."}, format="json")
    assert rejected.json()["status"] == "rejected"
    assert client.post(f"{url}/close/").json()["status"] == "closed"


def test_a_forbidden_step_is_409_and_changes_nothing(clock, people, store):
    agent = people["agent"]
    claim = claim_in("draft", agent, store)
    events = TicketEvent.objects.filter(ticket=claim.ticket).count()

    response = client_for(agent).post(f"{API}/recourse-claims/{claim.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert RecourseClaim.objects.get(pk=claim.pk).status == "draft"
    assert TicketEvent.objects.filter(ticket=claim.ticket).count() == events


@pytest.mark.parametrize(
    ("amount", "status"), [("3000.01", 400), ("0", 400), ("abc", 400), (None, 400)]
)
def test_settling_badly_is_400(clock, people, store, amount, status):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)
    payload = {} if amount is None else {"recovered_amount": amount}

    response = client_for(agent).post(
        f"{API}/recourse-claims/{claim.pk}/settle/", payload, format="json"
    )

    assert response.status_code == status
    assert set(response.json()) == {"recovered_amount"}
    assert RecourseClaim.objects.get(pk=claim.pk).status == "submitted"


def test_the_ready_guard_is_400_with_field_errors(clock, people, store):
    agent = people["agent"]
    ticket = case(agent)
    claim = services.claim_create(
        ticket=ticket, actor=agent, party=store, amount="10", basis=""
    )

    response = client_for(agent).post(f"{API}/recourse-claims/{claim.pk}/ready/")

    assert response.status_code == 400
    assert set(response.json()) == {"basis", "evidence"}


def test_a_claim_outside_the_scope_is_404(clock, people, store, outsider):
    claim = claim_in("draft", people["agent"], store)
    client = client_for(outsider)

    assert client.get(f"{API}/recourse-claims/{claim.pk}/").status_code == 404
    assert client.post(f"{API}/recourse-claims/{claim.pk}/ready/").status_code == 404
    assert client.get(f"{API}/recourse-claims/").json()["count"] == 0
    assert RecourseClaim.objects.get(pk=claim.pk).status == "draft"


def test_the_list_filters_by_ticket_party_and_status(clock, people, acme, store):
    agent = people["agent"]
    first = claim_in("draft", agent, store)
    second = claim_in("submitted", agent, store)
    third = claim_in("draft", agent, acme)
    client = client_for(agent)

    def numbers(query: str) -> set[str]:
        response = client.get(f"{API}/recourse-claims/?{query}")
        assert response.status_code == 200
        return {c["number"] for c in response.json()["results"]}

    assert numbers("") == {first.number, second.number, third.number}
    assert numbers(f"party={store.pk}") == {first.number, second.number}
    assert numbers("status=submitted") == {second.number}
    assert numbers(f"ticket={first.ticket_id}") == {first.number}
    assert numbers(f"ticket={third.ticket.number}") == {third.number}
    assert numbers(f"party={store.pk}&status=draft") == {first.number}
    assert client.get(f"{API}/recourse-claims/?status=nonsense").status_code == 400


def test_draft_a_claim_by_hand_both_ways(clock, people, acme, store):
    agent = people["agent"]
    ticket = case(agent, maker=acme)

    response = client_for(agent).post(
        f"{API}/recourse-claims/",
        {"ticket": ticket.number, "party": store.pk, "claimant": acme.pk,
         "amount": "2600", "basis": "Civil Code Art. 1203"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["party"], body["claimant"], body["status"]) == (
        store.pk,
        acme.pk,
        "draft",
    )


def test_patch_changes_a_draft_and_409_once_submitted(clock, people, store):
    agent = people["agent"]
    claim = claim_in("draft", agent, store)
    report = attachment(claim.ticket)
    client = client_for(agent)

    response = client.patch(
        f"{API}/recourse-claims/{claim.pk}/",
        {"basis": "Civil Code Art. 1204", "evidence": [report.pk], "amount": "2900"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["basis"], response.json()["evidence"]) == (
        "Civil Code Art. 1204",
        [report.pk],
    )
    for action in (A.READY, A.SUBMIT):
        claim = services.claim_transition(claim=claim, actor=agent, action=action)
    late = client.patch(
        f"{API}/recourse-claims/{claim.pk}/", {"amount": "1"}, format="json"
    )
    assert late.status_code == 409
    assert RecourseClaim.objects.get(pk=claim.pk).amount == Decimal("2900.00")


def test_the_claims_list_query_count_is_flat(clock, people, acme):
    agent = people["agent"]
    client = client_for(agent)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/recourse-claims/?page_size=100")
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    ticket = case(agent, maker=acme, liability="producer_defect")
    attachment(ticket)
    paid(ticket, agent, "100")
    one, count = queries_for_list()
    assert count == 1
    for index in range(29):
        other = case(agent, maker=acme, liability="producer_defect")
        attachment(other)
        paid(other, agent, str(100 + index))

    thirty, count = queries_for_list()

    assert count == 30
    assert thirty == one
    # and at 1,000 claims (bulk copies of the last one; the list shows 100 of them)
    copy_claims(RecourseClaim.objects.order_by("-pk").first(), 970)
    thousand, count = queries_for_list()
    assert count == 1000
    assert thousand == one


# --- Party ledger -----------------------------------------------------------------------------


def test_the_party_ledger_is_decimal_strings(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    attachment(ticket)
    claim = paid(ticket, agent, "3000").recourse_claim
    for action in (A.READY, A.SUBMIT):
        claim = services.claim_transition(claim=claim, actor=agent, action=action)
    services.claim_transition(
        claim=claim, actor=agent, action=A.SETTLE, recovered_amount="1250.5"
    )

    response = client_for(agent).get(f"{API}/parties/{acme.pk}/ledger/")

    assert response.status_code == 200
    assert response.json() == {
        "paid": "3000.00",
        "recovered": "1250.50",
        "outstanding": "1749.50",
    }


def test_the_ledger_of_an_unknown_party_is_404(people):
    response = client_for(people["agent"]).get(f"{API}/parties/999999/ledger/")

    assert response.status_code == 404


def test_the_archive_party_detail_still_answers(people, acme):
    response = client_for(people["agent"]).get(f"{API}/parties/{acme.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "ACME Appliances"


def test_the_schema_builds(people):
    response = client_for(people["agent"]).get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/recourse-claims/{id}/write-off/" in paths
    assert "/api/v1/parties/{id}/ledger/" in paths
    assert "/api/v1/tickets/{id}/compensations/" in paths


def copy_claims(claim, count: int) -> None:
    """`count` copies of `claim` (new numbers), written in one bulk insert."""
    fields = {
        f.attname: getattr(claim, f.attname)
        for f in claim._meta.concrete_fields
        if f.attname not in {"id", "number"}
    }
    claim._meta.model.objects.bulk_create(
        claim._meta.model(number=f"{claim.number}-C{n:04d}", **fields)
        for n in range(count)
    )
