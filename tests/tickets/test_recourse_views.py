"""Compensation and recourse pages (tickets/recourse/views.py): the compensations panel on
the case page (list, record form, approval, claim links), the claims list with its filters
and totals, a claim's page with the buttons the table allows, evidence ticking and its own
timeline, and the party ledger; 404 outside the scope, 403 for customers, refusals that
change nothing, and flat query counts."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.aftersales.factories import UserFactory
from tests.tickets import test_recourse as shared
from tests.tickets.test_recourse import A, attachment, case, claim_in, paid
from tickets.models import Compensation, RecourseClaim
from tickets.recourse import services

pytestmark = pytest.mark.django_db
# The shared fixtures (pytest finds them by name in this module).
clock, people, acme, store = shared.clock, shared.people, shared.acme, shared.store


def logged_in(client, user):
    client.force_login(user)
    return client


def buttons(response) -> list[str]:
    return re.findall(r'name="action" value="(\w+)"', response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def claim_url(claim, name: str = "recourse-claim-detail") -> str:
    return reverse(f"tickets:{name}", args=[claim.number])


# --- The panel on the case page ----------------------------------------------------------------


def test_the_case_page_lists_compensations_with_their_claims(
    client, clock, people, acme
):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    claim = paid(ticket, agent, "3000").recourse_claim

    response = logged_in(client, agent).get(ticket.get_absolute_url())

    assert response.status_code == 200
    assertContains(response, 'data-testid="compensation-row"', count=1)
    assertContains(response, "¥3000.00")
    assertContains(response, claim_url(claim))
    assertContains(response, reverse("tickets:party-ledger", args=[acme.pk]))
    assertContains(
        response, reverse("tickets:compensation-create", args=[ticket.number])
    )


def test_recording_a_compensation_from_the_case_page(client, clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    response = logged_in(client, agent).post(
        reverse("tickets:compensation-create", args=[ticket.number]),
        {"compensation-kind": "property_damage", "compensation-amount": "3000",
         "compensation-liability": "", "compensation-party": ""},
    )  # fmt: skip

    assertRedirects(response, ticket.get_absolute_url(), fetch_redirect_response=False)
    compensation = Compensation.objects.get()
    assert compensation.recourse_claim.party == acme
    assert compensation.recourse_claim.number in messages_of(response)[0]


def test_only_staff_record_a_compensation_and_only_by_post(client, clock, people, acme):
    ticket = case(people["agent"], maker=acme, liability="producer_defect")
    url = reverse("tickets:compensation-create", args=[ticket.number])
    data = {"compensation-kind": "refund", "compensation-amount": "100"}

    anonymous = client.post(url, data)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert logged_in(client, people["agent"]).get(url).status_code == 405
    customer = UserFactory(username="zhang@example.com", roles=["customer"])
    assert logged_in(client, customer).post(url, data).status_code == 403
    assert Compensation.objects.count() == 0


def test_a_refused_compensation_shows_why_and_stores_nothing(client, clock, people):
    agent = people["agent"]
    ticket = case(agent, liability="installer")  # no product: no producer

    response = logged_in(client, agent).post(
        reverse("tickets:compensation-create", args=[ticket.number]),
        {"compensation-kind": "refund", "compensation-amount": "100"},
    )

    assert response.status_code == 302
    assert "Name the liable party" in messages_of(response)[0]
    assert Compensation.objects.count() == 0


def test_without_a_seller_on_record_the_page_asks_for_the_party(
    client, clock, people, acme
):
    # given: seller storage is liable; the product has a producer but no seller on record
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="seller_storage")

    response = logged_in(client, agent).post(
        reverse("tickets:compensation-create", args=[ticket.number]),
        {"compensation-kind": "property_damage", "compensation-amount": "800",
         "compensation-liability": "", "compensation-party": ""},
    )  # fmt: skip

    # then: the page asks to name the party; nothing stored, the producer not claimed
    assertRedirects(response, ticket.get_absolute_url(), fetch_redirect_response=False)
    [message] = messages_of(response)
    assert "Name the liable party" in message
    assert "seller" in message
    assert Compensation.objects.count() == 0
    assert RecourseClaim.objects.count() == 0


def test_the_supervisor_sees_and_uses_the_approve_button(client, clock, people, acme):
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")

    own_page = logged_in(client, agent).get(ticket.get_absolute_url())
    assertNotContains(own_page, 'data-testid="approve-compensation"')
    assertContains(own_page, "awaiting approval")
    page = logged_in(client, supervisor).get(ticket.get_absolute_url())
    assertContains(page, 'data-testid="approve-compensation"', count=1)
    response = client.post(
        reverse("tickets:compensation-approve", args=[compensation.pk])
    )

    assertRedirects(response, ticket.get_absolute_url(), fetch_redirect_response=False)
    compensation.refresh_from_db()
    assert compensation.approved_by == supervisor
    assert compensation.recourse_claim is not None


def test_the_recorder_cannot_approve_from_the_page(client, clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")

    response = logged_in(client, agent).post(
        reverse("tickets:compensation-approve", args=[compensation.pk])
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Someone else must approve your compensation."]
    compensation.refresh_from_db()
    assert compensation.paid_on is None


def test_drafting_a_claim_by_hand_from_the_case_page(
    client, clock, people, acme, store
):
    agent = people["agent"]
    ticket = case(agent, maker=acme)

    response = logged_in(client, agent).post(
        reverse("tickets:recourse-claim-create", args=[ticket.number]),
        {"claim-party": store.pk, "claim-claimant": acme.pk, "claim-amount": "2600",
         "claim-basis": "Civil Code Art. 1203"},
    )  # fmt: skip

    claim = RecourseClaim.objects.get()
    assertRedirects(response, claim_url(claim), fetch_redirect_response=False)
    assert (claim.party, claim.claimant, claim.owner) == (store, acme, agent)


# --- The claims list -----------------------------------------------------------------------------


def test_the_claims_list_filters_and_totals(client, clock, people, acme, store):
    agent = people["agent"]
    draft = claim_in("draft", agent, store)
    settled = claim_in("settled_partial", agent, store)  # 3,000 claimed, 1,000 back
    other = claim_in("draft", agent, acme)
    logged_in(client, agent)
    url = reverse("tickets:recourse-claim-list")

    everything = client.get(url)
    by_status = client.get(url, {"status": "settled_partial"})
    by_party = client.get(url, {"party": acme.pk})

    assert everything.status_code == 200
    for claim in (draft, settled, other):
        assertContains(everything, claim_url(claim))
    assert everything.context["totals"] == {
        "claimed": 9000,
        "recovered": 1000,
        "outstanding": 8000,
    }
    assertContains(everything, "¥8000.00")
    assertContains(by_status, claim_url(settled))
    assertNotContains(by_status, claim_url(draft))
    assert by_status.context["totals"]["outstanding"] == 2000
    assertContains(by_party, claim_url(other))
    assertNotContains(by_party, claim_url(draft))


def test_the_claims_list_shows_only_claims_of_visible_cases(
    client, clock, people, store, unit_tree
):
    mine = claim_in("draft", people["agent"], store)
    outsider = UserFactory(roles=["agent"], units=[unit_tree["ws"]])

    response = logged_in(client, outsider).get(reverse("tickets:recourse-claim-list"))

    assertNotContains(response, mine.number)
    assert response.context["totals"]["claimed"] == 0


def test_the_claims_list_query_count_is_flat(client, clock, people, acme):
    agent = people["agent"]
    logged_in(client, agent)
    url = reverse("tickets:recourse-claim-list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    paid(case(agent, maker=acme, liability="producer_defect"), agent, "100")
    one = queries()
    for index in range(24):
        paid(
            case(agent, maker=acme, liability="producer_defect"), agent, f"{index + 1}"
        )

    assert queries() == one
    # and at 1,000 claims (bulk copies of the last one)
    copy_claims(RecourseClaim.objects.order_by("-pk").first(), 975)
    assert RecourseClaim.objects.count() == 1000
    assert queries() == one


# --- A claim's page ------------------------------------------------------------------------------


def test_the_claim_page_offers_the_tables_buttons(client, clock, people, store):
    agent, manager = people["agent"], people["manager"]
    claim = claim_in("rejected", agent, store)

    as_agent = logged_in(client, agent).get(claim_url(claim))
    as_manager = logged_in(client, manager).get(claim_url(claim))

    assert as_agent.status_code == 200
    assert buttons(as_agent) == ["escalate", "close"]
    assert buttons(as_manager) == ["escalate", "close", "write_off"]
    assertContains(as_agent, 'data-testid="claim-timeline"')
    assertContains(as_agent, "Not ours.")  # the rejection reason on its timeline


def test_settling_from_the_claim_page(client, clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)

    response = logged_in(client, agent).post(
        claim_url(claim, "recourse-claim-action"),
        {"action": "settle", "recovered_amount": "3000"},
    )

    assertRedirects(response, claim_url(claim), fetch_redirect_response=False)
    claim.refresh_from_db()
    assert (claim.status, claim.recovered_amount) == ("settled_full", 3000)


def test_a_refused_step_on_the_page_changes_nothing(client, clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)
    logged_in(client, agent)

    over = client.post(
        claim_url(claim, "recourse-claim-action"),
        {"action": "settle", "recovered_amount": "5000"},
    )
    wrong = client.post(claim_url(claim, "recourse-claim-action"), {"action": "close"})
    write_off = client.post(
        claim_url(claim, "recourse-claim-action"),
        {"action": "write_off", "reason": "Give up."},
    )

    # (messages pile up until a page shows them: the last one is this step's)
    assert messages_of(over)[-1] == (
        "More than the ¥3000.00 claimed cannot be recovered."
    )
    assert messages_of(wrong)[-1] == (
        "“Close” is not possible for a claim that is Submitted."
    )
    assert messages_of(write_off)[-1] == "Your role does not allow “Write off”."
    claim.refresh_from_db()
    assert (claim.status, claim.recovered_amount) == ("submitted", 0)


def test_the_cases_files_can_be_ticked_as_evidence(client, clock, people, store):
    agent = people["agent"]
    claim = claim_in("draft", agent, store)
    report = attachment(claim.ticket, "repair-report.pdf")
    attachment(claim.ticket, "invoice.pdf")
    logged_in(client, agent)

    page = client.get(claim_url(claim))
    assertContains(page, "repair-report.pdf")
    assertContains(page, "invoice.pdf")
    response = client.post(
        claim_url(claim, "recourse-claim-edit"),
        {"basis": "Civil Code Art. 1203", "amount": "3000", "evidence": [report.pk],
         "evidence_notes": ""},
    )  # fmt: skip

    assertRedirects(response, claim_url(claim), fetch_redirect_response=False)
    claim.refresh_from_db()
    assert list(claim.evidence.all()) == [report]
    assert claim.basis == "Civil Code Art. 1203"


def test_a_submitted_claim_shows_no_edit_form(client, clock, people, store):
    claim = claim_in("submitted", people["agent"], store)

    response = logged_in(client, people["agent"]).get(claim_url(claim))

    assertNotContains(response, claim_url(claim, "recourse-claim-edit"))


def test_a_claim_outside_the_scope_is_404(client, clock, people, store, unit_tree):
    claim = claim_in("draft", people["agent"], store)
    outsider = UserFactory(roles=["agent"], units=[unit_tree["ws"]])
    logged_in(client, outsider)

    assert client.get(claim_url(claim)).status_code == 404
    response = client.post(
        claim_url(claim, "recourse-claim-action"), {"action": "ready"}
    )
    assert response.status_code == 404
    assert RecourseClaim.objects.get(pk=claim.pk).status == "draft"


def test_customers_get_403_on_the_recourse_pages(
    client, clock, people, acme, customer_user
):
    claim = claim_in("draft", people["agent"], acme)
    logged_in(client, customer_user)

    assert client.get(reverse("tickets:recourse-claim-list")).status_code == 403
    assert client.get(claim_url(claim)).status_code == 403
    assert (
        client.get(reverse("tickets:party-ledger", args=[acme.pk])).status_code == 403
    )


# --- The party ledger ----------------------------------------------------------------------------


def test_the_party_ledger_page(client, clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    attachment(ticket)
    claim = paid(ticket, agent, "3000").recourse_claim
    for action in (A.READY, A.SUBMIT):
        claim = services.claim_transition(claim=claim, actor=agent, action=action)
    services.claim_transition(
        claim=claim, actor=agent, action=A.SETTLE, recovered_amount="1200"
    )

    response = logged_in(client, agent).get(
        reverse("tickets:party-ledger", args=[acme.pk])
    )

    assert response.status_code == 200
    assertContains(response, "ACME Appliances")
    assert response.context["ledger"] == {
        "paid": 3000,
        "recovered": 1200,
        "outstanding": 1800,
    }
    assertContains(response, "¥1800.00")
    assertContains(response, claim_url(claim))


def test_the_pages_answer_in_chinese(client, clock, people, store):
    claim = claim_in("draft", people["agent"], store)
    logged_in(client, people["agent"])

    for url in (reverse("tickets:recourse-claim-list"), claim_url(claim)):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200


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
