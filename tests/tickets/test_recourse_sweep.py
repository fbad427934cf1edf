"""The daily recourse sweep (tickets/recourse/services.py `recourse_sweep`): it drafts the
claim of a paid third-party compensation that has none, reminds the owner once a day when
the party's response is overdue, warns the owner and the managers 90 and 30 days before the
limitation date of claims not yet submitted (once per threshold), is idempotent, records a
JobRun, and reads only its due rows (the query count does not grow with the claims that are
not due)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.models import JobRun, Notification
from customers.models import OwnedProduct
from tests.tickets import test_recourse as shared
from tests.tickets.test_recourse import (
    NOW,
    SHANGHAI,
    TODAY,
    A,
    attachment,
    case,
    claim_in,
    paid,
)
from tickets.models import Compensation, RecourseClaim, TicketEvent
from tickets.recourse import services

pytestmark = pytest.mark.django_db
# The shared fixtures (pytest finds them by name in this module).
clock, people, acme, store = shared.clock, shared.people, shared.acme, shared.store

DAY = timedelta(days=1)


def sweep(at: datetime) -> int:
    return services.recourse_sweep(now=at)


def steps(claim: RecourseClaim, step: str):
    return TicketEvent.objects.filter(
        ticket=claim.ticket, type="recourse", data__claim=claim.number, data__step=step
    )


# --- Drafting what is missing --------------------------------------------------------------------


def test_a_paid_third_party_compensation_without_a_claim_gets_one(clock, people, acme):
    # given: a compensation paid before recourse was recorded (e.g. entered by an
    # administrator, or a claim removed): paid, producer liable, no claim
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    orphan = Compensation.objects.create(
        ticket=ticket, kind="refund", amount="1999.00", liability="producer_defect",
        party=acme, paid_on=date(2026, 11, 20), created_by=agent,
    )  # fmt: skip
    unpaid = Compensation.objects.create(
        ticket=ticket, kind="refund", amount="7000.00", liability="producer_defect",
        party=acme, paid_on=None, created_by=agent,
    )  # fmt: skip
    misuse = Compensation.objects.create(
        ticket=ticket, kind="refund", amount="50.00", liability="customer_misuse",
        paid_on=date(2026, 11, 20), created_by=agent,
    )  # fmt: skip

    assert sweep(NOW) == 1

    orphan.refresh_from_db()
    claim = orphan.recourse_claim
    assert (claim.party, claim.amount, claim.owner, claim.status) == (
        acme,
        orphan.amount,
        agent,
        "draft",
    )
    assert claim.limitation_date == date(2029, 11, 20)
    assert steps(claim, "drafted").get().actor is None
    unpaid.refresh_from_db()
    misuse.refresh_from_db()
    assert (unpaid.recourse_claim, misuse.recourse_claim) == (None, None)
    # idempotent
    assert sweep(NOW) == 0
    assert RecourseClaim.objects.count() == 1


def test_an_uncovered_compensation_without_a_party_is_claimed_from_the_liable_one(
    clock, people, acme, store
):
    # given: two paid seller-storage compensations with no party and no claim (entered by
    # an administrator); one case's product names its seller, the other's nobody but the
    # producer
    agent = people["agent"]
    sold = case(agent, maker=acme, liability="seller_storage")
    OwnedProduct.objects.filter(pk=sold.product_id).update(seller=store)
    unsold = case(agent, maker=acme, liability="seller_storage")
    orphans = [
        Compensation.objects.create(
            ticket=ticket,
            kind="exchange",
            amount="900.00",
            liability="seller_storage",
            paid_on=date(2026, 11, 20),
            created_by=agent,
        )  # fmt: skip
        for ticket in (sold, unsold)
    ]

    assert sweep(NOW) == 1

    # then: the seller is claimed from, never the producer; without a seller nothing is
    # drafted (a person must name the party)
    for orphan in orphans:
        orphan.refresh_from_db()
    assert (orphans[0].party, orphans[0].recourse_claim.party) == (store, store)
    assert (orphans[1].party, orphans[1].recourse_claim) == (None, None)
    assert RecourseClaim.objects.filter(party=acme).count() == 0
    assert sweep(NOW) == 0


def test_the_sweep_adds_to_the_open_draft_claim_of_the_same_party(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    claim = paid(ticket, agent, "3000").recourse_claim
    Compensation.objects.create(
        ticket=ticket, kind="transport", amount="120.00", liability="producer_defect",
        party=acme, paid_on=TODAY, created_by=agent,
    )  # fmt: skip

    assert sweep(NOW) == 1

    claim.refresh_from_db()
    assert claim.amount == 3120
    assert RecourseClaim.objects.count() == 1


# --- Reminders ----------------------------------------------------------------------------------


def test_the_owner_is_reminded_once_a_day_when_the_response_is_overdue(
    clock, people, store
):
    agent = people["agent"]
    claim = claim_in("submitted", agent, store)  # response due in 30 days
    due = claim.response_due_on

    # on the due day: not yet overdue
    assert sweep(datetime.combine(due, datetime.min.time(), SHANGHAI)) == 0
    day_after = datetime.combine(due + DAY, datetime.min.time(), SHANGHAI).replace(
        hour=6
    )
    assert sweep(day_after) == 1
    assert sweep(day_after + timedelta(hours=3)) == 0  # same day: once

    claim.refresh_from_db()
    assert claim.reminded_on == due + DAY
    assert steps(claim, "response_overdue").count() == 1
    reminders = Notification.objects.filter(kind="claim_response_overdue")
    assert [n.recipient for n in reminders] == [agent]
    assert store.name in reminders.get().title

    # the next day: again, once
    assert sweep(day_after + DAY) == 1
    assert sweep(day_after + DAY) == 0
    assert steps(claim, "response_overdue").count() == 2


def test_a_settled_or_acknowledged_claim_is_not_chased(clock, people, store):
    agent = people["agent"]
    settled = claim_in("settled_full", agent, store)
    acknowledged = claim_in("submitted", agent, store)
    clock.shift(10 * DAY)
    acknowledged = services.claim_transition(
        claim=acknowledged, actor=agent, action=A.ACKNOWLEDGE
    )  # the party answered: a fresh 30 days from today

    assert sweep(NOW + 35 * DAY) == 0

    assert acknowledged.response_due_on == TODAY + 40 * DAY
    assert not steps(settled, "response_overdue").exists()
    assert sweep(NOW + 41 * DAY) == 1


# --- Limitation warnings ------------------------------------------------------------------------


@pytest.fixture
def old_claim(people, acme):
    """A draft claim of a compensation paid on 15 February 2024: its 3-year limitation
    ends on 15 February 2027 (79 days after NOW)."""
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    attachment(ticket)
    claim = paid(ticket, agent, "2500", paid_on=date(2024, 2, 15)).recourse_claim
    assert claim.limitation_date == date(2027, 2, 15)
    return claim


def test_owner_and_managers_are_warned_90_and_30_days_before_limitation_once_each(
    clock, people, old_claim
):
    agent, manager = people["agent"], people["manager"]

    assert sweep(NOW) == 1  # 79 days left: the 90-day warning
    assert sweep(NOW) == 0
    assert sweep(NOW + 20 * DAY) == 0  # 59 days left: nothing new

    warnings = steps(old_claim, "limitation_warning")
    assert [e.data["threshold"] for e in warnings] == [90]
    assert {
        n.recipient for n in Notification.objects.filter(kind="claim_limitation")
    } == {agent, manager}
    old_claim.refresh_from_db()
    assert old_claim.limitation_warned_on == TODAY

    thirty_before = datetime(2027, 1, 16, 8, 0, tzinfo=SHANGHAI)  # 30 days left
    assert sweep(thirty_before - DAY) == 0
    assert sweep(thirty_before) == 1
    assert sweep(thirty_before) == 0
    assert sweep(thirty_before + 10 * DAY) == 0

    assert [e.data["threshold"] for e in warnings.all()] == [90, 30]
    assert Notification.objects.filter(kind="claim_limitation").count() == 4


def test_a_claim_first_seen_inside_30_days_is_warned_once(clock, people, acme):
    agent = people["agent"]
    ticket = case(agent, maker=acme, liability="producer_defect")
    claim = paid(ticket, agent, "100", paid_on=date(2023, 12, 10)).recourse_claim

    assert sweep(NOW) == 1  # 12 days left
    assert sweep(NOW + DAY) == 0

    assert [e.data["threshold"] for e in steps(claim, "limitation_warning")] == [30]


def test_a_submitted_claim_is_not_warned_of_the_limitation(clock, people, old_claim):
    agent = people["agent"]
    for action in (A.READY, A.SUBMIT):
        old_claim = services.claim_transition(
            claim=old_claim, actor=agent, action=action
        )

    assert sweep(NOW) == 0

    assert not steps(old_claim, "limitation_warning").exists()


# --- Runs and query counts ----------------------------------------------------------------------


def test_each_run_is_recorded_with_the_items_touched(clock, people, old_claim):
    sweep(NOW)
    sweep(NOW)

    runs = JobRun.objects.filter(name="recourse_sweep").order_by("pk")
    assert [(r.status, r.items) for r in runs] == [("succeeded", 1), ("succeeded", 0)]


def _queries_of_a_quiet_sweep(count: int, people, store) -> int:
    """Claims that are not due (drafts far from the limitation, submitted claims whose
    response is not yet due): the sweep touches none of them."""
    agent = people["agent"]
    ticket = case(agent)
    for index in range(count):
        claim = services.claim_create(
            ticket=ticket, actor=agent, party=store, amount="100", basis="x",
            evidence_notes="On file.",
        )  # fmt: skip
        if index % 2:
            for action in (A.READY, A.SUBMIT):
                claim = services.claim_transition(
                    claim=claim, actor=agent, action=action
                )
    with CaptureQueriesContext(connection) as queries:
        assert sweep(NOW + 5 * DAY) == 0
    return len(queries)


def test_the_query_count_does_not_grow_with_the_claims_not_due(clock, people, store):
    one = _queries_of_a_quiet_sweep(1, people, store)
    RecourseClaim.objects.all().delete()

    thirty = _queries_of_a_quiet_sweep(30, people, store)

    assert thirty == one


def test_each_due_claim_costs_the_same_number_of_queries(clock, people, store):
    # given: three claims submitted a day apart (responses due a day apart)
    agent = people["agent"]
    for _ in range(3):
        claim_in("submitted", agent, store)
        clock.shift(DAY)
    counts = []
    # when: on each of three days one more claim is overdue (1, 2, then 3 reminders)
    for day in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert sweep(NOW + (31 + day) * DAY) == day + 1
        counts.append(len(queries))

    # then: every further reminder costs the same
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0
