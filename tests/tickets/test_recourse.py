"""Compensation (先行赔付) and recourse claims (追偿), tickets/recourse/services.py and the
claims table in tickets/workflow.py: a paid third-party compensation drafts a claim against
the named party or the producer (A11, A12), none for customer misuse, the approval
threshold, every claim edge and the refusal of all others, settlements, write-offs by a
manager, editing, claims both ways, and the party ledger. States are reached through the
services. The builders here are shared by the other test_recourse_*.py files."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleObject
from aftersales.models import Notification
from customers import services as archive_services
from customers.models import OwnedProduct, Party
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import open_ticket
from tickets import workflow
from tickets.cases import services as case_services
from tickets.models import (
    Attachment,
    Compensation,
    RecourseClaim,
    Ticket,
    TicketEvent,
)
from tickets.recourse import services as recourse_services
from tickets.recourse.selectors import claim_list, party_ledger
from tickets.workflow import CLAIM_TRANSITIONS, ClaimAction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 28)
Status = RecourseClaim.Status
A = ClaimAction


# --- Builders (shared with the other recourse test files) -------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(unit_tree, agent_user, supervisor_user, manager_user):
    """Li (hotline agent), Chen (supervises hotline and workshop), Wang (manager)."""
    return {"agent": agent_user, "supervisor": supervisor_user, "manager": manager_user}


def party(actor, name: str, kind: str) -> Party:
    return archive_services.party_save(actor=actor, name=name, kind=kind)


@pytest.fixture
def acme(agent_user) -> Party:
    """The washing machine's producer."""
    return party(agent_user, "ACME Appliances", Party.Kind.PRODUCER)


@pytest.fixture
def store(agent_user) -> Party:
    return party(agent_user, "Happy Home Store", Party.Kind.SELLER)


def case(actor, *, maker: Party | None = None, liability: str = "", **fields) -> Ticket:
    """A washing-machine complaint opened by `actor`; with `maker` the product's model is
    made by it; `liability` is recorded through the resolution service."""
    zhang = customer(actor=actor, name=f"Zhang Wei {Ticket.objects.count()}")
    if maker is not None:
        model = product_model(
            actor=actor,
            code=f"WM-{Ticket.objects.count()}-{maker.pk}",
            category="washing_machine",
            maker=maker,
        )
        fields["product"] = product(
            actor=actor,
            owner=zhang,
            model=model,
            serial=f"SN-{Ticket.objects.count()}-{maker.pk}",
            sale_date=date(2026, 5, 1),
        )
    ticket = open_ticket(actor=actor, customer=zhang, type="complaint", **fields)
    if liability:
        case_services.ticket_set_resolution(
            ticket=ticket, actor=actor, cause_code="leak", liability=liability
        )
        ticket.refresh_from_db()
    return ticket


def attachment(ticket: Ticket, name: str = "repair-report.pdf") -> Attachment:
    """A file row on the case (the attachments service is another concern; the evidence
    rules only need the row)."""
    return Attachment.objects.create(
        ticket=ticket,
        file=f"tickets/2026/11/{name}",
        original_name=name,
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
    )


def paid(ticket: Ticket, actor, amount: str = "3000.00", **fields) -> Compensation:
    """A property-damage compensation recorded (and, under the threshold, paid)."""
    return recourse_services.compensation_record(
        ticket=ticket, actor=actor, kind="property_damage", amount=amount, **fields
    )


def drafted_claim(actor, against: Party, *, amount: str = "3000.00") -> RecourseClaim:
    """A claim drafted by hand with a basis and evidence notes (ready-able)."""
    ticket = case(actor)
    return recourse_services.claim_create(
        ticket=ticket,
        actor=actor,
        party=against,
        amount=amount,
        basis="CRPL Art. 40",
        evidence_notes="Repair report and payment proof on file.",
    )


# Each status, reached from a fresh draft by these steps (manager acting).
PATHS: dict[str, list[tuple[str, dict]]] = {
    "draft": [],
    "ready": [(A.READY, {})],
    "submitted": [(A.READY, {}), (A.SUBMIT, {})],
    "acknowledged": [(A.READY, {}), (A.SUBMIT, {}), (A.ACKNOWLEDGE, {})],
    "negotiating": [
        (A.READY, {}), (A.SUBMIT, {}), (A.ACKNOWLEDGE, {}), (A.NEGOTIATE, {}),
    ],
    "settled_full": [
        (A.READY, {}), (A.SUBMIT, {}), (A.SETTLE, {"recovered_amount": "3000.00"}),
    ],
    "settled_partial": [
        (A.READY, {}), (A.SUBMIT, {}), (A.SETTLE, {"recovered_amount": "1000.00"}),
    ],
    "rejected": [(A.READY, {}), (A.SUBMIT, {}), (A.REJECT, {"reason": "Not ours."})],
    "escalated": [
        (A.READY, {}), (A.SUBMIT, {}), (A.REJECT, {"reason": "Not ours."}),
        (A.ESCALATE, {}),
    ],
    "closed": [
        (A.READY, {}), (A.SUBMIT, {}), (A.REJECT, {"reason": "Not ours."}),
        (A.CLOSE, {}),
    ],
    "written_off": [(A.WRITE_OFF, {"reason": "Party insolvent."})],
}  # fmt: skip
# What each action needs to be taken (the table decides where it leads).
INPUTS = {
    A.SETTLE: {"recovered_amount": "3000.00"},
    A.REJECT: {"reason": "Not ours."},
    A.WRITE_OFF: {"reason": "Party insolvent."},
}


def claim_in(status: str, actor, against: Party) -> RecourseClaim:
    """A claim of 3,000 CNY brought to `status` through the services."""
    claim = drafted_claim(actor, against)
    for action, fields in PATHS[status]:
        claim = recourse_services.claim_transition(
            claim=claim, actor=actor, action=action, **fields
        )
    assert claim.status == status
    return claim


def recourse_events(ticket: Ticket):
    return TicketEvent.objects.filter(ticket=ticket, type=TicketEvent.Type.RECOURSE)


# --- The claims table (pure) ---------------------------------------------------------------------


def test_the_table_covers_every_claim_status_and_only_those():
    assert set(CLAIM_TRANSITIONS) == set(Status.values)
    for targets in CLAIM_TRANSITIONS.values():
        assert set(targets) <= set(Status.values)


def test_the_table_has_exactly_the_edges_of_the_lifecycle():
    edges = {
        (current, target, rule.action)
        for current, targets in CLAIM_TRANSITIONS.items()
        for target, rule in targets.items()
    }
    settle = {
        (s, t, A.SETTLE)
        for s in ("submitted", "acknowledged", "negotiating")
        for t in ("settled_full", "settled_partial")
    }
    reject = {
        (s, "rejected", A.REJECT) for s in ("submitted", "acknowledged", "negotiating")
    }
    write_off = {
        (s, "written_off", A.WRITE_OFF)
        for s in ("draft", "ready", "submitted", "acknowledged", "negotiating",
                  "settled_partial", "rejected", "escalated")
    }  # fmt: skip
    close = {
        (s, "closed", A.CLOSE)
        for s in ("settled_full", "settled_partial", "rejected", "escalated")
    }
    assert edges == {
        ("draft", "ready", A.READY),
        ("ready", "submitted", A.SUBMIT),
        ("submitted", "acknowledged", A.ACKNOWLEDGE),
        ("acknowledged", "negotiating", A.NEGOTIATE),
        ("rejected", "escalated", A.ESCALATE),
        ("settled_partial", "escalated", A.ESCALATE),
        *settle,
        *reject,
        *write_off,
        *close,
    }


@pytest.mark.parametrize("current", Status.values)
@pytest.mark.parametrize("target", Status.values)
def test_claim_check_refuses_every_pair_that_is_not_an_edge(current, target):
    if target in CLAIM_TRANSITIONS[current]:
        rule = workflow.claim_check(current, target, roles={"manager"})
        assert rule is CLAIM_TRANSITIONS[current][target]
    else:
        with pytest.raises(InvalidTransition):
            workflow.claim_check(current, target, roles={"manager"})


def test_only_managers_may_write_off_and_agents_see_no_write_off_button():
    assert workflow.claim_allowed_actions("rejected", {"agent"}) == [
        A.ESCALATE,
        A.CLOSE,
    ]
    assert workflow.claim_allowed_actions("rejected", {"manager"}) == [
        A.ESCALATE,
        A.CLOSE,
        A.WRITE_OFF,
    ]
    assert workflow.claim_allowed_actions("submitted", {"technician"}) == []
    assert workflow.claim_allowed_actions("closed", {"manager", "admin"}) == []
    with pytest.raises(ActionForbidden):
        workflow.claim_check("draft", "written_off", roles={"supervisor"})


def test_settle_appears_once_although_it_has_two_targets():
    assert workflow.claim_allowed_actions("submitted", {"agent"}) == [
        A.ACKNOWLEDGE,
        A.SETTLE,
        A.REJECT,
    ]


# --- Every edge through the services --------------------------------------------------------


ALLOWED = [
    (current, rule.action)
    for current, targets in CLAIM_TRANSITIONS.items()
    for rule in {r.action: r for r in targets.values()}.values()
]
REFUSED = [
    (current, action)
    for current in Status.values
    for action in ClaimAction.values
    if (current, action) not in ALLOWED
]


@pytest.mark.parametrize(("current", "action"), ALLOWED)
def test_every_allowed_claim_step_succeeds_and_is_on_the_timeline(
    clock, people, store, current, action
):
    manager = people["manager"]
    claim = claim_in(current, manager, store)
    before = recourse_events(claim.ticket).count()

    moved = recourse_services.claim_transition(
        claim=claim, actor=manager, action=action, **INPUTS.get(action, {})
    )

    expected = {
        target
        for target, rule in CLAIM_TRANSITIONS[current].items()
        if rule.action == action
    }
    assert moved.status in expected
    assert RecourseClaim.objects.get(pk=claim.pk).status == moved.status
    event = recourse_events(claim.ticket).order_by("pk").last()
    assert recourse_events(claim.ticket).count() == before + 1
    assert event.data["old"] == current
    assert event.data["new"] == moved.status
    assert event.data["claim"] == claim.number
    assert event.actor == manager


@pytest.mark.parametrize(("current", "action"), REFUSED)
def test_every_other_claim_step_is_refused_and_changes_nothing(
    clock, people, store, current, action
):
    manager = people["manager"]
    claim = claim_in(current, manager, store)
    before = recourse_events(claim.ticket).count()

    with pytest.raises(InvalidTransition):
        recourse_services.claim_transition(
            claim=claim, actor=manager, action=action, **INPUTS.get(action, {})
        )

    assert RecourseClaim.objects.get(pk=claim.pk).status == current
    assert recourse_events(claim.ticket).count() == before


def test_a_stale_claim_cannot_be_moved_twice(clock, people, store):
    agent = people["agent"]
    claim = claim_in("ready", agent, store)
    same_claim_elsewhere = RecourseClaim.objects.get(pk=claim.pk)
    recourse_services.claim_transition(claim=claim, actor=agent, action=A.SUBMIT)

    with pytest.raises(StaleObject):
        recourse_services.claim_transition(
            claim=same_claim_elsewhere, actor=agent, action=A.SUBMIT
        )

    assert recourse_events(claim.ticket).filter(data__step="submit").count() == 1


# --- Guards of the steps --------------------------------------------------------------------


def test_ready_needs_a_basis_and_some_evidence(clock, people, store):
    agent = people["agent"]
    ticket = case(agent)
    claim = recourse_services.claim_create(
        ticket=ticket, actor=agent, party=store, amount="500", basis=""
    )

    with pytest.raises(ValidationError) as excinfo:
        recourse_services.claim_transition(claim=claim, actor=agent, action=A.READY)

    assert set(excinfo.value.message_dict) == {"basis", "evidence"}
    assert RecourseClaim.objects.get(pk=claim.pk).status == "draft"
    # a ticked file of the case is enough evidence
    report = attachment(ticket)
    recourse_services.claim_update(
        claim=claim, actor=agent, basis="Civil Code Art. 1203", evidence=[report]
    )
    claim.refresh_from_db()
    claim = recourse_services.claim_transition(claim=claim, actor=agent, action=A.READY)
    assert claim.status == "ready"


def test_submit_starts_the_thirty_day_response_time(clock, people, store):
    claim = claim_in("submitted", people["agent"], store)

    assert claim.submitted_at == NOW
    assert claim.response_due_on == TODAY + timedelta(days=30)


def test_the_partys_answer_restarts_the_response_time(clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)
    clock.shift(timedelta(days=10))

    claim = recourse_services.claim_transition(
        claim=claim, actor=agent, action=A.ACKNOWLEDGE
    )

    assert claim.response_due_on == TODAY + timedelta(days=40)


def test_settling_everything_is_settled_full(clock, people, store):
    agent = people["agent"]
    claim = claim_in("negotiating", agent, store)

    claim = recourse_services.claim_transition(
        claim=claim, actor=agent, action=A.SETTLE, recovered_amount="3000"
    )

    assert claim.status == "settled_full"
    assert claim.recovered_amount == Decimal("3000.00")
    assert claim.settled_at == NOW


def test_settling_less_is_settled_partial(clock, people, store):
    agent = people["agent"]
    claim = claim_in("acknowledged", agent, store)

    claim = recourse_services.claim_transition(
        claim=claim, actor=agent, action=A.SETTLE, recovered_amount="1200.50"
    )

    assert claim.status == "settled_partial"
    assert claim.recovered_amount == Decimal("1200.50")


@pytest.mark.parametrize("recovered", ["3000.01", "0", "-5", None, "abc"])
def test_settling_more_than_claimed_or_nothing_is_refused(
    clock, people, store, recovered
):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)
    before = recourse_events(claim.ticket).count()

    with pytest.raises(ValidationError) as excinfo:
        recourse_services.claim_transition(
            claim=claim, actor=agent, action=A.SETTLE, recovered_amount=recovered
        )

    assert set(excinfo.value.message_dict) == {"recovered_amount"}
    fresh = RecourseClaim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.recovered_amount) == ("submitted", Decimal("0"))
    assert recourse_events(claim.ticket).count() == before


def test_reject_needs_a_reason(clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)

    with pytest.raises(ValidationError) as excinfo:
        recourse_services.claim_transition(claim=claim, actor=agent, action=A.REJECT)

    assert set(excinfo.value.message_dict) == {"reason"}
    assert RecourseClaim.objects.get(pk=claim.pk).status == "submitted"


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_write_off_needs_a_manager(clock, people, store, role):
    claim = claim_in("rejected", people["agent"], store)

    with pytest.raises(ActionForbidden):
        recourse_services.claim_transition(
            claim=claim, actor=people[role], action=A.WRITE_OFF, reason="Give up."
        )

    fresh = RecourseClaim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.approved_by) == ("rejected", None)


def test_a_manager_writes_off_with_a_reason_and_is_recorded_as_approver(
    clock, people, store
):
    agent, manager = people["agent"], people["manager"]
    claim = claim_in("rejected", agent, store)
    with pytest.raises(ValidationError):
        recourse_services.claim_transition(
            claim=claim, actor=manager, action=A.WRITE_OFF
        )

    claim = recourse_services.claim_transition(
        claim=claim, actor=manager, action=A.WRITE_OFF, reason="Party insolvent."
    )

    assert (claim.status, claim.approved_by, claim.closed_at) == (
        "written_off",
        manager,
        NOW,
    )
    assert recourse_events(claim.ticket).last().data["note"] == "Party insolvent."
    assert Notification.objects.filter(
        recipient=agent, kind="claim_written_off"
    ).exists()


def test_customers_and_technicians_cannot_move_claims(clock, people, store):
    claim = claim_in("draft", people["agent"], store)
    technician = UserFactory(roles=["technician"])

    with pytest.raises(ActionForbidden):
        recourse_services.claim_transition(
            claim=claim, actor=technician, action=A.READY
        )

    assert RecourseClaim.objects.get(pk=claim.pk).status == "draft"


# --- Compensation and the automatic draft ------------------------------------------------------


def test_a11_property_damages_paid_by_the_store_draft_a_claim_against_the_producer(
    clock, people, acme
):
    # given: a leak flooded the floor; the fault is the producer's; photos are on file
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    photo = attachment(ticket, "floor.jpg")

    # when: the store pays 3,000 CNY property damages
    compensation = paid(ticket, agent, "3000")

    # then: a draft claim against the producer covers it, with the case's files
    claim = compensation.recourse_claim
    assert compensation.paid_on == TODAY
    assert compensation.liability == "producer_defect"
    assert compensation.party == acme
    assert claim.number == f"R20261128-{claim.pk:05d}"
    assert (claim.status, claim.party, claim.claimant, claim.owner) == (
        "draft",
        acme,
        None,
        agent,
    )
    assert claim.amount == Decimal("3000.00")
    assert claim.basis == "Product Quality Law Art. 40 / CRPL Art. 40"
    assert claim.limitation_date == date(2029, 11, 28)
    assert list(claim.evidence.all()) == [photo]
    steps = [
        (e.type, e.data["step"])
        for e in ticket.events.filter(type__in=["compensation", "recourse"])
    ]
    assert steps == [("compensation", "recorded"), ("recourse", "drafted")]


def test_a12_seller_storage_claims_against_the_named_seller(clock, people, acme, store):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="seller_storage")

    compensation = recourse_services.compensation_record(
        ticket=ticket, actor=agent, kind="exchange", amount="4200", party=store
    )

    claim = compensation.recourse_claim
    assert (claim.party, claim.amount) == (store, Decimal("4200.00"))
    assert claim.basis == "Civil Code Art. 1203 / CRPL Art. 40"


def test_a_second_compensation_joins_the_open_draft_claim(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    first = paid(ticket, agent, "3000")

    second = recourse_services.compensation_record(
        ticket=ticket, actor=agent, kind="transport", amount="150.50",
        paid_on=date(2026, 11, 1),
    )  # fmt: skip

    claim = first.recourse_claim
    claim.refresh_from_db()
    assert second.recourse_claim == claim
    assert RecourseClaim.objects.count() == 1
    assert claim.amount == Decimal("3150.50")
    # the limitation runs from the earliest payment
    assert claim.limitation_date == date(2029, 11, 1)
    assert set(claim.compensations.all()) == {first, second}
    assert recourse_events(ticket).filter(data__step="compensation_added").count() == 1


def test_a_claim_no_longer_draft_gets_a_new_claim_for_the_next_compensation(
    clock, people, acme
):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    attachment(ticket)
    first = paid(ticket, agent, "3000").recourse_claim
    recourse_services.claim_transition(claim=first, actor=agent, action=A.READY)

    second = paid(ticket, agent, "200").recourse_claim

    assert second != first
    assert second.amount == Decimal("200.00")
    first.refresh_from_db()
    assert first.amount == Decimal("3000.00")


def _product_parties(ticket: Ticket, actor, **kinds: str) -> dict[str, Party]:
    """Put parties on the case's product record (field name → party kind)."""
    parties = {
        field: party(actor, f"{field.title()} Co {ticket.pk}", kind)
        for field, kind in kinds.items()
    }
    OwnedProduct.objects.filter(pk=ticket.product_id).update(**parties)
    ticket.product.refresh_from_db()
    return parties


@pytest.mark.parametrize(
    ("liability", "field", "basis"),
    [
        ("seller_storage", "seller", None),
        ("carrier", "carrier", "Civil Code Art. 1204 / contract of carriage"),
        ("installer", "installer", None),
    ],
)
def test_without_a_named_party_the_claim_goes_to_the_party_the_product_record_names(
    clock, people, acme, liability, field, basis
):
    # given: the product's record names a seller, a carrier and an installer
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability=liability)
    parties = _product_parties(
        ticket, agent,
        seller=Party.Kind.SELLER, carrier=Party.Kind.CARRIER,
        installer=Party.Kind.INSTALLER,
    )  # fmt: skip

    compensation = paid(ticket, agent, "800")

    # then: the liable one, never the producer
    assert compensation.party == parties[field]
    assert compensation.recourse_claim.party == parties[field]
    assert compensation.recourse_claim.party != acme
    if basis:
        assert compensation.recourse_claim.basis == basis


def test_a_producer_defect_without_a_named_party_goes_to_the_producer(
    clock, people, acme
):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    _product_parties(ticket, agent, seller=Party.Kind.SELLER)

    compensation = paid(ticket, agent, "800")

    assert compensation.recourse_claim.party == acme


@pytest.mark.parametrize(
    ("liability", "missing"),
    [
        ("seller_storage", "seller"),
        ("carrier", "carrier"),
        ("installer", "installer"),
        ("repairer", "repairer"),
    ],
)
def test_when_the_product_record_names_nobody_liable_the_party_is_asked_for(
    clock, people, acme, liability, missing
):
    # given: a product made by ACME with no seller, carrier or installer on record
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability=liability)

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, "800")

    # then: the user is asked; nothing is stored, and the producer is not claimed
    assert set(excinfo.value.message_dict) == {"party"}
    assert missing in excinfo.value.message_dict["party"][0]
    assert Compensation.objects.count() == 0
    assert RecourseClaim.objects.count() == 0


def test_without_a_party_or_a_product_the_party_is_asked_for(clock, people):
    agent = people["agent"]
    ticket = case(agent, liability="installer")

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, "800")

    assert set(excinfo.value.message_dict) == {"party"}
    assert Compensation.objects.count() == 0
    assert RecourseClaim.objects.count() == 0


def test_a_party_of_another_kind_than_the_liability_suggests_is_accepted(
    clock, people, store
):
    agent = people["agent"]
    ticket = case(agent, liability="repairer")

    compensation = paid(ticket, agent, "300", party=store)

    assert compensation.recourse_claim.party == store
    assert compensation.recourse_claim.basis == (
        "Repair service contract / Civil Code Art. 577"
    )


@pytest.mark.parametrize("liability", ["customer_misuse", "none", "undetermined"])
def test_no_claim_without_a_liable_third_party(clock, people, acme, liability):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability=liability)

    compensation = paid(ticket, agent, "500")

    assert compensation.recourse_claim is None
    assert compensation.paid_on == TODAY
    assert RecourseClaim.objects.count() == 0
    assert not recourse_events(ticket).exists()


def test_the_liability_given_overrides_the_cases(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="customer_misuse")

    compensation = paid(ticket, agent, "500", liability="producer_defect")

    assert compensation.liability == "producer_defect"
    assert compensation.recourse_claim.party == acme


def test_a_case_without_a_liability_needs_one_given(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme)

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, "500")

    assert set(excinfo.value.message_dict) == {"liability"}
    assert Compensation.objects.count() == 0


@pytest.mark.parametrize("amount", ["0", "-1", "12.345", "abc"])
def test_the_amount_must_be_positive_yuan_and_fen(clock, people, acme, amount):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, amount)

    assert set(excinfo.value.message_dict) == {"amount"}
    assert Compensation.objects.count() == 0


def test_a_payment_date_in_the_future_is_refused(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, "100", paid_on=TODAY + timedelta(days=1))

    assert set(excinfo.value.message_dict) == {"paid_on"}


def test_only_staff_record_compensations(clock, people, acme, customer_user):
    ticket = case(people["agent"], maker=acme, liability="producer_defect")

    with pytest.raises(PermissionDenied):
        paid(ticket, customer_user, "100")

    assert Compensation.objects.count() == 0


# --- Approval ----------------------------------------------------------------------------------


def test_above_five_thousand_an_agents_compensation_waits_unpaid_and_unclaimed(
    clock, people, acme
):
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    compensation = paid(ticket, agent, "5000.01")

    assert compensation.paid_on is None
    assert compensation.approved_by is None
    assert compensation.recourse_claim is None
    assert RecourseClaim.objects.count() == 0
    event = ticket.events.get(type="compensation")
    assert event.data["awaiting_approval"] is True
    assert Notification.objects.filter(
        recipient=supervisor, kind="compensation_approval"
    ).exists()


def test_exactly_five_thousand_needs_no_approval(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    compensation = paid(ticket, agent, "5000.00")

    assert compensation.paid_on == TODAY
    assert compensation.recourse_claim is not None


def test_a_waiting_compensation_cannot_carry_a_payment_date(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")

    with pytest.raises(ValidationError) as excinfo:
        paid(ticket, agent, "8000", paid_on=TODAY)

    assert set(excinfo.value.message_dict) == {"paid_on"}
    assert Compensation.objects.count() == 0


@pytest.mark.parametrize("role", ["supervisor", "manager"])
def test_supervisors_and_managers_record_large_amounts_approved_by_themselves(
    clock, people, acme, role
):
    actor = people[role]
    ticket = case(people["agent"], maker=acme, liability="producer_defect")

    compensation = paid(ticket, actor, "9000")

    assert (compensation.paid_on, compensation.approved_by) == (TODAY, actor)
    assert compensation.recourse_claim.amount == Decimal("9000.00")


def test_the_supervisor_approves_then_it_is_paid_and_claimed(clock, people, acme):
    agent, supervisor = people["agent"], people["supervisor"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")

    approved = recourse_services.compensation_approve(
        compensation=compensation, actor=supervisor, paid_on=date(2026, 11, 27)
    )

    assert approved.approved_by == supervisor
    assert approved.approved_at == NOW
    assert approved.paid_on == date(2026, 11, 27)
    claim = approved.recourse_claim
    assert (claim.amount, claim.limitation_date) == (
        Decimal("8000.00"),
        date(2029, 11, 27),
    )
    assert claim.owner == supervisor
    steps = [e.data["step"] for e in ticket.events.filter(type="compensation")]
    assert steps == ["recorded", "approved"]
    assert Notification.objects.filter(
        recipient=agent, kind="compensation_approved"
    ).exists()


def test_the_recorder_cannot_approve_their_own_compensation(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")

    with pytest.raises(ActionForbidden):
        recourse_services.compensation_approve(compensation=compensation, actor=agent)

    compensation.refresh_from_db()
    assert compensation.paid_on is None


def test_a_supervisor_of_another_unit_or_an_agent_cannot_approve(
    clock, people, acme, unit_tree
):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")
    workshop_supervisor = UserFactory(
        roles=["supervisor"], supervises=[unit_tree["ws"]]
    )
    other_agent = UserFactory(roles=["agent"], units=[unit_tree["hot"]])

    for actor in (workshop_supervisor, other_agent):
        with pytest.raises(ActionForbidden):
            recourse_services.compensation_approve(
                compensation=compensation, actor=actor
            )

    compensation.refresh_from_db()
    assert (compensation.paid_on, compensation.approved_by) == (None, None)


def test_a_branch_supervisor_above_the_unit_and_a_manager_may_approve(
    clock, people, acme, unit_tree
):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    branch_supervisor = UserFactory(roles=["supervisor"], supervises=[unit_tree["br"]])

    assert recourse_services.compensation_can_approve(
        actor=branch_supervisor, ticket=ticket
    )
    assert recourse_services.compensation_can_approve(
        actor=people["manager"], ticket=ticket
    )
    assert not recourse_services.compensation_can_approve(actor=agent, ticket=ticket)


def test_a_compensation_is_approved_once(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    compensation = paid(ticket, agent, "8000")
    recourse_services.compensation_approve(
        compensation=compensation, actor=people["manager"]
    )

    with pytest.raises(InvalidTransition):
        recourse_services.compensation_approve(
            compensation=compensation, actor=people["supervisor"]
        )

    compensation.refresh_from_db()
    assert compensation.approved_by == people["manager"]
    assert RecourseClaim.objects.get().amount == Decimal("8000.00")


def test_the_threshold_comes_from_the_pinned_standard(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    assert recourse_services.recourse_settings(ticket)[
        "compensation_approval_above"
    ] == (Decimal("5000"))
    assert recourse_services.compensation_needs_approval(
        ticket=ticket, actor=agent, amount=Decimal("5000.01")
    )


# --- Editing and drafting by hand --------------------------------------------------------------


def test_claims_work_both_ways_a_producer_claims_against_a_seller(
    clock, people, acme, store
):
    agent = people["agent"]
    ticket = case(agent, maker=acme)

    claim = recourse_services.claim_create(
        ticket=ticket, actor=agent, party=store, claimant=acme, amount="2600",
        basis="Civil Code Art. 1203",
    )  # fmt: skip

    assert (claim.party, claim.claimant, claim.status) == (store, acme, "draft")
    assert claim.number == f"R20261128-{claim.pk:05d}"
    assert claim.limitation_date == date(2029, 11, 28)
    assert recourse_events(ticket).get().data["claimant"] == acme.pk


def test_a_party_cannot_claim_against_itself(clock, people, store):
    ticket = case(people["agent"])

    with pytest.raises(ValidationError) as excinfo:
        recourse_services.claim_create(
            ticket=ticket, actor=people["agent"], party=store, claimant=store,
            amount="10", basis="x",
        )  # fmt: skip

    assert set(excinfo.value.message_dict) == {"claimant"}
    assert RecourseClaim.objects.count() == 0


def test_a_draft_claim_is_edited_and_the_change_recorded(clock, people, store):
    agent = people["agent"]
    claim = claim_in("draft", agent, store)
    report = attachment(claim.ticket)

    claim = recourse_services.claim_update(
        claim=claim, actor=agent, basis="Civil Code Art. 1204", amount="3100",
        evidence=[report], evidence_notes="Carrier's delivery note.",
    )  # fmt: skip

    assert (claim.basis, claim.amount, claim.evidence_notes) == (
        "Civil Code Art. 1204",
        Decimal("3100.00"),
        "Carrier's delivery note.",
    )
    assert list(claim.evidence.all()) == [report]
    assert recourse_events(claim.ticket).last().data["fields"] == [
        "amount", "basis", "evidence", "evidence_notes",
    ]  # fmt: skip


def test_evidence_must_be_files_of_the_claims_case(clock, people, store):
    agent = people["agent"]
    claim = claim_in("draft", agent, store)
    elsewhere = attachment(case(agent))

    with pytest.raises(ValidationError) as excinfo:
        recourse_services.claim_update(claim=claim, actor=agent, evidence=[elsewhere])

    assert set(excinfo.value.message_dict) == {"evidence"}
    assert not claim.evidence.exists()


def test_a_ready_claim_must_stay_ready(clock, people, store):
    agent = people["agent"]
    claim = claim_in("ready", agent, store)

    with pytest.raises(ValidationError):
        recourse_services.claim_update(
            claim=claim, actor=agent, basis="", evidence_notes=""
        )

    assert RecourseClaim.objects.get(pk=claim.pk).basis == "CRPL Art. 40"


def test_a_submitted_claim_can_no_longer_be_edited(clock, people, store):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)

    with pytest.raises(InvalidTransition):
        recourse_services.claim_update(claim=claim, actor=agent, amount="1")

    assert RecourseClaim.objects.get(pk=claim.pk).amount == Decimal("3000.00")


# --- Selectors: scope and the party ledger -------------------------------------------------------


def test_a_claim_is_visible_when_its_case_is(clock, people, store, unit_tree):
    agent = people["agent"]
    mine = claim_in("draft", agent, store)
    workshop_agent = UserFactory(roles=["agent"], units=[unit_tree["ws"]])
    workshop_tech = UserFactory(roles=["technician"], units=[unit_tree["ws"]])
    theirs = claim_in("draft", workshop_agent, store)

    assert list(claim_list(user=agent)) == [mine]
    assert list(claim_list(user=workshop_tech)) == [theirs]
    assert set(claim_list(user=people["manager"])) == {mine, theirs}
    assert set(claim_list(user=people["supervisor"])) == {mine, theirs}
    assert list(claim_list(user=people["manager"], ticket=mine.ticket)) == [mine]
    assert list(claim_list(user=people["manager"], status="ready")) == []


def test_the_party_ledger_shows_paid_recovered_and_outstanding(
    clock, people, acme, store
):
    agent, manager = people["agent"], people["manager"]
    # claim 1: 3,000 + 500 paid, 2,000 recovered (settled in part)
    first_case = case(agent, maker=acme, liability="producer_defect")
    attachment(first_case)
    paid(first_case, agent, "3000")
    claim = paid(first_case, agent, "500").recourse_claim
    claim.refresh_from_db()
    for action in (A.READY, A.SUBMIT):
        claim = recourse_services.claim_transition(
            claim=claim, actor=agent, action=action
        )
    recourse_services.claim_transition(
        claim=claim, actor=agent, action=A.SETTLE, recovered_amount="2000"
    )
    # claim 2: 1,000 paid, written off (no longer outstanding)
    second_case = case(agent, maker=acme, liability="producer_defect")
    written = paid(second_case, agent, "1000").recourse_claim
    recourse_services.claim_transition(
        claim=written, actor=manager, action=A.WRITE_OFF, reason="Too small."
    )
    # claim 3: 700 paid, open
    paid(case(agent, maker=acme, liability="producer_defect"), agent, "700")
    # a claim against another party does not count
    paid(case(agent, liability="seller_storage"), agent, "999", party=store)

    assert party_ledger(acme) == {
        "paid": Decimal("5200.00"),
        "recovered": Decimal("2000.00"),
        "outstanding": Decimal("2200.00"),
    }
    assert party_ledger(store)["paid"] == Decimal("999.00")


def test_the_ledger_of_a_party_without_claims_is_zero(acme):
    assert party_ledger(acme) == {
        "paid": Decimal("0.00"),
        "recovered": Decimal("0.00"),
        "outstanding": Decimal("0.00"),
    }


def test_the_ledger_is_one_query(clock, people, acme, django_assert_num_queries):
    agent = people["agent"]
    for amount in ("100", "200", "300"):
        paid(case(agent, maker=acme, liability="producer_defect"), agent, amount)

    with django_assert_num_queries(1):
        ledger = party_ledger(acme)

    assert ledger["paid"] == Decimal("600.00")
