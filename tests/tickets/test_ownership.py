"""First ownership and unit queues (tickets/ownership/services.py and their pages and
API): who may ask for a transfer, only the receiver accepts, the first owner moves by
compare-and-set, one pending per case; the orphan sweep (once per case and owner,
set-based); unit queues (round-robin order, least-loaded choice, the sender never named,
manual mode leaves the handover to the unit) and who sets them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from aftersales.exceptions import StaleObject
from aftersales.models import JobRun, Notification
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import TicketFactory, act, open_ticket, service_standard
from tickets.cases import services as case_services
from tickets.models import Handover, OwnershipTransfer, Ticket, TicketEvent, UnitQueue
from tickets.ownership import selectors
from tickets.ownership import services as ownership_services
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db
API = "/api/v1"
A = TicketAction


@pytest.fixture
def standard(unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(agent_user):
    return customer(actor=agent_user, name="Zhang Wei")


@pytest.fixture
def case(standard, agent_user, zhang):
    """A repair Li (hotline agent) opened: Li is its first owner and handler."""
    return open_ticket(actor=agent_user, customer=zhang, title="Noisy washer")


@pytest.fixture
def wu(unit_tree):
    """Wu, another hotline agent (takes over Li's cases)."""
    return UserFactory(username="wu", roles=["agent"], units=[unit_tree["hot"]])


def transfer_events(ticket) -> list[str]:
    return [
        e.data["step"]
        for e in TicketEvent.objects.filter(
            ticket=ticket, type=TicketEvent.Type.OWNERSHIP_TRANSFER
        ).order_by("pk")
    ]


# --- Transfers: who may ask -----------------------------------------------------------------


def test_the_first_owner_asks_and_the_receiver_is_notified(case, agent_user, wu):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave from 3 March"
    )
    assert transfer.status == OwnershipTransfer.Status.REQUESTED
    assert (transfer.from_user, transfer.to_user, transfer.requested_by) == (
        agent_user,
        wu,
        agent_user,
    )
    assert transfer_events(case) == ["requested"]
    assert Notification.objects.filter(
        recipient=wu, kind="ownership_transfer_requested"
    ).exists()
    case.refresh_from_db()
    assert case.first_owner == agent_user  # nothing moves before acceptance


@pytest.mark.parametrize(
    "who", ["supervisor_of_unit", "supervisor_of_parent", "manager"]
)
def test_supervisors_of_the_case_unit_or_above_and_managers_may_ask(
    case, wu, unit_tree, supervisor_user, manager_user, who
):
    actor = {
        "supervisor_of_unit": supervisor_user,
        "supervisor_of_parent": UserFactory(
            roles=["supervisor"], supervises=[unit_tree["br"]]
        ),
        "manager": manager_user,
    }[who]
    transfer = ownership_services.transfer_request(
        ticket=case, actor=actor, to_user=wu, reason="Li left the company"
    )
    assert transfer.requested_by == actor
    assert transfer.from_user_id == case.first_owner_id


def test_a_colleague_or_another_units_supervisor_may_not_ask(
    case, wu, unit_tree, technician_user
):
    other_supervisor = UserFactory(
        roles=["supervisor"], supervises=[UnitFactory(parent=unit_tree["co"])]
    )
    for actor in (wu, technician_user, other_supervisor):
        with pytest.raises(PermissionDenied):
            ownership_services.transfer_request(
                ticket=case, actor=actor, to_user=wu, reason="Taking it"
            )
    assert OwnershipTransfer.objects.count() == 0
    assert transfer_events(case) == []


def test_the_receiver_must_be_active_staff_and_not_the_owner(
    case, agent_user, customer_user
):
    gone = UserFactory(roles=["agent"], is_active=False)
    for to_user in (gone, customer_user, agent_user):
        with pytest.raises(ValidationError) as refused:
            ownership_services.transfer_request(
                ticket=case, actor=agent_user, to_user=to_user, reason="Leave"
            )
        assert list(refused.value.message_dict) == ["to_user"]
    with pytest.raises(ValidationError) as no_reason:
        ownership_services.transfer_request(
            ticket=case,
            actor=agent_user,
            to_user=UserFactory(roles=["agent"]),
            reason=" ",
        )
    assert list(no_reason.value.message_dict) == ["reason"]
    assert OwnershipTransfer.objects.count() == 0


def test_one_transfer_waits_per_case(case, agent_user, wu):
    ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    with pytest.raises(ValidationError) as refused:
        ownership_services.transfer_request(
            ticket=case,
            actor=agent_user,
            to_user=UserFactory(roles=["agent"]),
            reason="Leave",
        )
    assert (
        "already has an ownership transfer" in refused.value.message_dict["ticket"][0]
    )
    assert OwnershipTransfer.objects.count() == 1


# --- Transfers: decisions ---------------------------------------------------------------


def test_only_the_receiver_accepts_and_then_the_first_owner_moves(
    case, agent_user, wu, supervisor_user
):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=supervisor_user, to_user=wu, reason="Li leaves"
    )
    for intruder in (agent_user, supervisor_user):
        with pytest.raises(PermissionDenied):
            ownership_services.transfer_accept(transfer=transfer, actor=intruder)
    case.refresh_from_db()
    assert case.first_owner == agent_user

    ownership_services.transfer_accept(transfer=transfer, actor=wu)

    case.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == OwnershipTransfer.Status.ACCEPTED
    assert transfer.decided_at is not None
    assert case.first_owner == wu
    assert case.handler == wu  # Li handled it herself: the work comes along
    assert transfer_events(case) == ["requested", "accepted"]
    assert Notification.objects.filter(
        recipient=supervisor_user, kind="ownership_transfer_accepted"
    ).exists()


def test_accepting_leaves_a_handler_who_is_someone_else(
    case, agent_user, wu, technician_user, unit_tree
):
    act(case, agent_user, A.ACKNOWLEDGE)
    handover = case_services.handover_request(
        ticket=case, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    case_services.handover_accept(handover=handover, actor=technician_user)
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    ownership_services.transfer_accept(transfer=transfer, actor=wu)
    case.refresh_from_db()
    assert (case.first_owner, case.handler, case.unit) == (
        wu,
        technician_user,
        unit_tree["ws"],
    )


def test_accept_is_refused_when_the_owner_changed_meanwhile(case, agent_user, wu):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    someone = UserFactory(roles=["agent"])
    Ticket.objects.filter(pk=case.pk).update(first_owner=someone)  # a concurrent move
    with pytest.raises(StaleObject):
        ownership_services.transfer_accept(transfer=transfer, actor=wu)
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == OwnershipTransfer.Status.REQUESTED
    assert case.first_owner == someone


def test_reject_needs_a_reason_and_keeps_the_owner(case, agent_user, wu):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    with pytest.raises(ValidationError):
        ownership_services.transfer_reject(transfer=transfer, actor=wu, reason="")
    ownership_services.transfer_reject(
        transfer=transfer, actor=wu, reason="On leave myself"
    )
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == OwnershipTransfer.Status.REJECTED
    assert transfer.rejection_reason == "On leave myself"
    assert case.first_owner == agent_user
    assert transfer_events(case) == ["requested", "rejected"]
    assert Notification.objects.filter(
        recipient=agent_user, kind="ownership_transfer_rejected"
    ).exists()
    with pytest.raises(StaleObject):
        ownership_services.transfer_accept(transfer=transfer, actor=wu)


def test_only_the_requester_withdraws(case, agent_user, wu, supervisor_user):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=supervisor_user, to_user=wu, reason="Leave"
    )
    for intruder in (agent_user, wu):
        with pytest.raises(PermissionDenied):
            ownership_services.transfer_cancel(transfer=transfer, actor=intruder)
    ownership_services.transfer_cancel(transfer=transfer, actor=supervisor_user)
    transfer.refresh_from_db()
    assert transfer.status == OwnershipTransfer.Status.CANCELLED
    # a new one may be asked now
    ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Again"
    )


# --- Orphan sweep -------------------------------------------------------------------------


def deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_the_sweep_raises_cases_of_an_inactive_owner_once(
    case, standard, agent_user, zhang, supervisor_user, unit_tree, wu
):
    second = open_ticket(actor=agent_user, customer=zhang, title="Second")
    finished = open_ticket(actor=agent_user, customer=zhang, title="Cancelled")
    act(finished, agent_user, A.CANCEL, note="Duplicate call")
    sun = UserFactory(roles=["supervisor"], supervises=[unit_tree["hot"]])
    deactivate(agent_user)

    assert ownership_services.orphan_sweep(now=case.created_at) == 2

    orphaned = TicketEvent.objects.filter(type=TicketEvent.Type.ORPHANED)
    assert sorted(e.ticket_id for e in orphaned) == sorted([case.pk, second.pk])
    assert {e.key for e in orphaned} == {
        f"orphan:{case.pk}:{agent_user.pk}",
        f"orphan:{second.pk}:{agent_user.pk}",
    }
    alerted = Notification.objects.filter(kind="orphaned_case")
    assert sorted((n.recipient.username, n.url) for n in alerted) == sorted(
        (who, t.get_absolute_url())
        for who in (supervisor_user.username, sun.username)
        for t in (case, second)
    )
    assert ownership_services.orphan_sweep(now=case.created_at) == 0
    assert TicketEvent.objects.filter(type=TicketEvent.Type.ORPHANED).count() == 2
    assert list(
        JobRun.objects.filter(name="orphan_sweep").values_list("items", flat=True)
    ) == [0, 2]


def test_a_case_with_a_pending_transfer_is_not_raised_and_an_accepted_one_ends_it(
    case, agent_user, wu
):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Departure"
    )
    deactivate(agent_user)
    assert ownership_services.orphan_sweep(now=case.created_at) == 0
    ownership_services.transfer_accept(transfer=transfer, actor=wu)
    assert ownership_services.orphan_sweep(now=case.created_at) == 0


def test_without_a_supervisor_up_the_tree_the_managers_are_alerted(
    standard, unit_tree, manager_user
):
    lonely_unit = UnitFactory(code="lonely", parent=unit_tree["co"])
    owner = UserFactory(roles=["agent"], units=[lonely_unit])
    ticket = open_ticket(actor=owner, customer=customer(actor=owner, name="Ma"))
    deactivate(owner)
    assert ownership_services.orphan_sweep(now=ticket.created_at) == 1
    assert list(
        Notification.objects.filter(kind="orphaned_case").values_list(
            "recipient__username", flat=True
        )
    ) == [manager_user.username]


def test_the_nearest_supervisor_up_the_tree_is_alerted(standard, unit_tree):
    team = UnitFactory(code="team", parent=unit_tree["hot"])
    owner = UserFactory(roles=["agent"], units=[team])
    boss = UserFactory(roles=["supervisor"], supervises=[unit_tree["hot"]])
    UserFactory(roles=["supervisor"], supervises=[unit_tree["co"]])  # further up
    ticket = open_ticket(actor=owner, customer=customer(actor=owner, name="Ma"))
    deactivate(owner)
    ownership_services.orphan_sweep(now=ticket.created_at)
    assert list(
        Notification.objects.filter(kind="orphaned_case").values_list(
            "recipient", flat=True
        )
    ) == [boss.pk]


def test_the_sweep_reads_only_orphans_whatever_the_number_of_open_cases(
    case, standard, agent_user, zhang, wu, django_assert_num_queries
):
    """Set-based: the same queries for 1 or 10 healthy open cases and no orphan."""
    ownership_services.orphan_sweep(now=case.created_at)
    with CaptureQueriesContext(connection) as few:
        ownership_services.orphan_sweep(now=case.created_at)
    for n in range(9):
        open_ticket(actor=wu, customer=zhang, title=f"Healthy {n}")
    with django_assert_num_queries(len(few)):
        assert ownership_services.orphan_sweep(now=case.created_at) == 0


# --- Unit queues --------------------------------------------------------------------------


@pytest.fixture
def workshop(unit_tree):
    """Three workshop technicians, created in id order."""
    return [
        UserFactory(username=name, roles=["technician"], units=[unit_tree["ws"]])
        for name in ("m1", "m2", "m3")
    ]


def set_mode(unit, mode, manager) -> UnitQueue:
    return ownership_services.queue_set_mode(unit=unit, actor=manager, mode=mode)


def hand_to(unit, ticket, actor) -> Handover:
    return case_services.handover_request(
        ticket=ticket, actor=actor, to_unit=unit, reason="Diagnosis"
    )


def test_round_robin_names_members_in_turn_by_id(
    standard, zhang, agent_user, unit_tree, workshop, manager_user
):
    set_mode(unit_tree["ws"], UnitQueue.Mode.ROUND_ROBIN, manager_user)
    named = []
    for n in range(4):
        ticket = open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
        handover = hand_to(unit_tree["ws"], ticket, agent_user)
        handover.refresh_from_db()
        named.append(handover.to_user.username)
    assert named == ["m1", "m2", "m3", "m1"]
    assert UnitQueue.objects.get(unit=unit_tree["ws"]).last_assigned.username == "m1"
    assigned = TicketEvent.objects.filter(type=TicketEvent.Type.ASSIGNED)
    assert [e.data["mode"] for e in assigned] == ["round_robin"] * 4
    assert [e.actor for e in assigned] == [None] * 4


def test_round_robin_skips_inactive_members(
    standard, zhang, agent_user, unit_tree, workshop, manager_user
):
    set_mode(unit_tree["ws"], UnitQueue.Mode.ROUND_ROBIN, manager_user)
    deactivate(workshop[1])
    names = []
    for n in range(3):
        ticket = open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
        names.append(hand_to(unit_tree["ws"], ticket, agent_user).to_user.username)
    assert names == ["m1", "m3", "m1"]


def test_least_loaded_names_the_member_with_fewest_open_cases(
    standard, zhang, agent_user, unit_tree, workshop, manager_user
):
    m1, m2, m3 = workshop
    for handler, status in (
        (m1, TicketStatus.IN_PROGRESS),
        (m1, TicketStatus.WAITING_PARTS),
        (m2, TicketStatus.CLOSED),  # finished work does not count
        (m2, TicketStatus.CLOSED),
        (m3, TicketStatus.IN_PROGRESS),
    ):
        TicketFactory(first_owner=handler, handler=handler, status=status)
    set_mode(unit_tree["ws"], UnitQueue.Mode.LEAST_LOADED, manager_user)
    ticket = open_ticket(actor=agent_user, customer=zhang)
    assert hand_to(unit_tree["ws"], ticket, agent_user).to_user == m2


def test_least_loaded_counts_handovers_waiting_so_a_burst_spreads(
    standard, zhang, agent_user, unit_tree, workshop, manager_user
):
    m1, m2, m3 = workshop
    TicketFactory(first_owner=m1, handler=m1, status=TicketStatus.IN_PROGRESS)
    set_mode(unit_tree["ws"], UnitQueue.Mode.LEAST_LOADED, manager_user)
    named = []
    for n in range(3):
        ticket = open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
        named.append(hand_to(unit_tree["ws"], ticket, agent_user).to_user)
    # m2 and m3 have nothing; once each has a handover waiting, all three carry one
    assert named == [m2, m3, m1]


@pytest.mark.parametrize(
    "mode", [UnitQueue.Mode.ROUND_ROBIN, UnitQueue.Mode.LEAST_LOADED]
)
def test_the_sender_is_never_named(standard, zhang, unit_tree, manager_user, mode):
    # Li works in both the hotline and the workshop; she is first by id and least loaded
    li = UserFactory(roles=["agent"], units=[unit_tree["hot"], unit_tree["ws"]])
    m1 = UserFactory(roles=["technician"], units=[unit_tree["ws"]])
    TicketFactory(first_owner=m1, handler=m1, status=TicketStatus.IN_PROGRESS)
    TicketFactory(first_owner=m1, handler=m1, status=TicketStatus.IN_PROGRESS)
    set_mode(unit_tree["ws"], mode, manager_user)
    ticket = open_ticket(actor=li, customer=zhang)
    assert hand_to(unit_tree["ws"], ticket, li).to_user == m1


def test_nobody_but_the_sender_leaves_the_handover_to_the_unit(
    standard, zhang, unit_tree, manager_user
):
    li = UserFactory(roles=["agent"], units=[unit_tree["hot"], unit_tree["ws"]])
    set_mode(unit_tree["ws"], UnitQueue.Mode.ROUND_ROBIN, manager_user)
    ticket = open_ticket(actor=li, customer=zhang)
    assert hand_to(unit_tree["ws"], ticket, li).to_user is None
    assert not TicketEvent.objects.filter(type=TicketEvent.Type.ASSIGNED).exists()


@pytest.mark.parametrize("configured", [False, True])
def test_a_manual_queue_leaves_the_handover_to_the_unit(
    case, agent_user, unit_tree, workshop, manager_user, configured
):
    if configured:
        set_mode(unit_tree["ws"], UnitQueue.Mode.MANUAL, manager_user)
    handover = hand_to(unit_tree["ws"], case, agent_user)
    handover.refresh_from_db()
    assert handover.to_user is None
    assert not TicketEvent.objects.filter(type=TicketEvent.Type.ASSIGNED).exists()
    # any member accepts it
    case_services.handover_accept(handover=handover, actor=workshop[2])


def test_a_named_person_is_not_reassigned(
    case, agent_user, unit_tree, workshop, manager_user
):
    set_mode(unit_tree["ws"], UnitQueue.Mode.ROUND_ROBIN, manager_user)
    handover = case_services.handover_request(
        ticket=case, actor=agent_user, to_user=workshop[2], reason="Ask m3"
    )
    assert handover.to_user == workshop[2]
    assert not TicketEvent.objects.filter(type=TicketEvent.Type.ASSIGNED).exists()


def test_the_named_member_accepts_as_usual_and_others_cannot(
    case, agent_user, unit_tree, workshop, manager_user
):
    set_mode(unit_tree["ws"], UnitQueue.Mode.ROUND_ROBIN, manager_user)
    handover = hand_to(unit_tree["ws"], case, agent_user)
    assert handover.to_user == workshop[0]
    assert handover.accept_due_at is not None  # the acceptance clock runs
    assert Notification.objects.filter(
        recipient=workshop[0], kind="handover_assigned"
    ).exists()
    with pytest.raises(PermissionDenied):
        case_services.handover_accept(handover=handover, actor=workshop[1])
    case_services.handover_accept(handover=handover, actor=workshop[0])
    case.refresh_from_db()
    assert (case.handler, case.unit, case.first_owner) == (
        workshop[0],
        unit_tree["ws"],
        agent_user,
    )


def test_picking_a_member_is_one_query(unit_tree, workshop, django_assert_num_queries):
    for member in workshop:
        TicketFactory.create_batch(2, first_owner=member, handler=member)
    with django_assert_num_queries(1):
        picked = ownership_services.queue_pick_member(unit=unit_tree["ws"])
    assert picked == workshop[0]
    with django_assert_num_queries(1):
        assert (
            ownership_services.queue_pick_member(
                unit=unit_tree["ws"], exclude=[workshop[0]]
            )
            == workshop[1]
        )


def test_queue_pick_member_is_none_for_an_empty_unit(unit_tree):
    assert (
        ownership_services.queue_pick_member(unit=UnitFactory(parent=unit_tree["co"]))
        is None
    )


def test_who_sets_a_queue_mode(
    unit_tree, supervisor_user, manager_user, technician_user
):
    branch_supervisor = UserFactory(roles=["supervisor"], supervises=[unit_tree["br"]])
    for actor in (supervisor_user, branch_supervisor, manager_user):
        queue = ownership_services.queue_set_mode(
            unit=unit_tree["ws"], actor=actor, mode=UnitQueue.Mode.LEAST_LOADED
        )
        assert queue.mode == UnitQueue.Mode.LEAST_LOADED
    with pytest.raises(PermissionDenied):
        ownership_services.queue_set_mode(
            unit=unit_tree["ws"], actor=technician_user, mode=UnitQueue.Mode.MANUAL
        )
    with pytest.raises(ValidationError):
        ownership_services.queue_set_mode(
            unit=unit_tree["ws"], actor=manager_user, mode="lottery"
        )
    assert (
        UnitQueue.objects.get(unit=unit_tree["ws"]).mode == UnitQueue.Mode.LEAST_LOADED
    )


# --- Pages ----------------------------------------------------------------------------------


def test_the_case_page_offers_the_owner_a_transfer_and_the_receiver_a_decision(
    case, agent_user, wu, client
):
    client.force_login(agent_user)
    page = client.get(case.get_absolute_url())
    assert 'data-testid="transfer-form"' in page.content.decode()
    response = client.post(
        reverse("tickets:transfer-request", args=[case.number]),
        {"to_user": wu.pk, "reason": "Leave"},
    )
    assert response.status_code == 302
    transfer = OwnershipTransfer.objects.get()

    client.force_login(wu)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="pending-transfer"' in page
    assert 'data-testid="transfers-awaiting-me"' in page
    assert 'value="accept"' in page
    client.post(
        reverse("tickets:transfer-decide", args=[transfer.pk]), {"decision": "accept"}
    )
    case.refresh_from_db()
    assert case.first_owner == wu


def test_a_refused_decision_from_the_page_changes_nothing(case, agent_user, wu, client):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    client.force_login(agent_user)
    response = client.post(
        reverse("tickets:transfer-decide", args=[transfer.pk]),
        {"decision": "accept"},
        follow=True,
    )
    assert "addressed to someone else" in response.content.decode()
    case.refresh_from_db()
    assert case.first_owner == agent_user


def test_a_transfer_out_of_scope_answers_404(
    case, agent_user, wu, technician_user, client
):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    client.force_login(technician_user)
    url = reverse("tickets:transfer-decide", args=[transfer.pk])
    assert client.post(url, {"decision": "accept"}).status_code == 404


def test_the_case_page_warns_of_an_inactive_first_owner(
    case, agent_user, manager_user, client
):
    deactivate(agent_user)
    client.force_login(manager_user)
    assert (
        'data-testid="owner-inactive"'
        in client.get(case.get_absolute_url()).content.decode()
    )


def test_the_queue_page_for_a_supervisor(unit_tree, supervisor_user, client):
    client.force_login(supervisor_user)
    url = reverse("tickets:queue-edit", args=[unit_tree["ws"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"mode": "round_robin"})
    assert response.status_code == 302
    assert UnitQueue.objects.get(unit=unit_tree["ws"]).mode == "round_robin"
    listing = client.get(reverse("tickets:queue-list")).content.decode()
    assert url in listing
    assert "Round-robin" in listing


def test_the_queue_page_is_404_for_others(unit_tree, agent_user, client):
    client.force_login(agent_user)
    url = reverse("tickets:queue-edit", args=[unit_tree["hot"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"mode": "round_robin"}).status_code == 404
    assert not UnitQueue.objects.exists()


def test_the_queue_list_query_count_is_flat(
    unit_tree, manager_user, client, django_assert_max_num_queries
):
    client.force_login(manager_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tickets:queue-list"))
    for _ in range(5):
        unit = UnitFactory(parent=unit_tree["br"])
        ownership_services.queue_set_mode(
            unit=unit, actor=manager_user, mode="least_loaded"
        )
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("tickets:queue-list"))


# --- API ------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_request_and_accept(case, agent_user, wu):
    response = api_for(agent_user).post(
        f"{API}/tickets/{case.number}/ownership-transfers/",
        {"to_user": wu.pk, "reason": "Leave"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["from_user"], body["to_user"]) == (
        "requested",
        agent_user.pk,
        wu.pk,
    )
    refused = api_for(agent_user).post(
        f"{API}/ownership-transfers/{body['id']}/accept/"
    )
    assert refused.status_code == 403
    accepted = api_for(wu).post(f"{API}/ownership-transfers/{body['id']}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    case.refresh_from_db()
    assert case.first_owner == wu
    again = api_for(wu).post(f"{API}/ownership-transfers/{body['id']}/accept/")
    assert again.status_code == 409


def test_api_errors(case, agent_user, wu, technician_user):
    client = api_for(agent_user)
    url = f"{API}/tickets/{case.pk}/ownership-transfers/"
    bad = client.post(url, {"to_user": agent_user.pk, "reason": "x"}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["to_user"]
    assert client.post(url, {"to_user": wu.pk}, format="json").json() == {
        "reason": ["This field is required."]
    }
    assert (
        client.post(
            url, {"to_user": wu.pk, "reason": "Leave"}, format="json"
        ).status_code
        == 201
    )
    twice = client.post(
        url,
        {"to_user": UserFactory(roles=["agent"]).pk, "reason": "Leave"},
        format="json",
    )
    assert twice.status_code == 400
    assert list(twice.json()) == ["ticket"]
    stranger = api_for(technician_user)
    assert (
        stranger.post(url, {"to_user": wu.pk, "reason": "x"}, format="json").status_code
        == 404
    )
    transfer = OwnershipTransfer.objects.get()
    assert stranger.get(f"{API}/ownership-transfers/{transfer.pk}/").status_code == 404
    assert (
        stranger.post(f"{API}/ownership-transfers/{transfer.pk}/cancel/").status_code
        == 404
    )
    colleague = api_for(UserFactory(roles=["agent"], units=[case.unit]))
    assert (
        colleague.post(
            url, {"to_user": wu.pk, "reason": "x"}, format="json"
        ).status_code
        == 403
    )


def test_api_reject_and_cancel(case, agent_user, wu):
    url = f"{API}/tickets/{case.pk}/ownership-transfers/"
    first = api_for(agent_user).post(
        url, {"to_user": wu.pk, "reason": "L"}, format="json"
    )
    reject_url = f"{API}/ownership-transfers/{first.json()['id']}/reject/"
    assert api_for(wu).post(reject_url, {}, format="json").status_code == 400
    rejected = api_for(wu).post(reject_url, {"reason": "Busy"}, format="json")
    assert rejected.json()["rejection_reason"] == "Busy"
    second = api_for(agent_user).post(
        url, {"to_user": wu.pk, "reason": "L"}, format="json"
    )
    cancel_url = f"{API}/ownership-transfers/{second.json()['id']}/cancel/"
    assert api_for(wu).post(cancel_url).status_code == 403
    assert api_for(agent_user).post(cancel_url).json()["status"] == "cancelled"
    listing = api_for(wu).get(f"{API}/ownership-transfers/?status=cancelled").json()
    assert [r["id"] for r in listing["results"]] == [second.json()["id"]]
    assert api_for(agent_user).get(url).json()["count"] == 2


def test_the_awaiting_selector_lists_only_my_pending_transfers(case, agent_user, wu):
    transfer = ownership_services.transfer_request(
        ticket=case, actor=agent_user, to_user=wu, reason="Leave"
    )
    assert list(selectors.transfer_list_awaiting(user=wu)) == [transfer]
    assert list(selectors.transfer_list_awaiting(user=agent_user)) == []


def test_a_units_supervisor_is_picked_only_when_nobody_else_is_left(unit_tree):
    from aftersales.services import membership_set

    unit = UnitFactory(parent=unit_tree["co"])
    boss = UserFactory(username="boss", roles=["supervisor"])
    membership_set(user=boss, unit=unit, is_supervisor=True)
    worker = UserFactory(username="worker", roles=["technician"], units=[unit])
    # The supervisor has the lighter load, yet the worker takes the case.
    TicketFactory.create_batch(2, first_owner=worker, handler=worker)

    assert ownership_services.queue_pick_member(unit=unit) == worker
    assert ownership_services.queue_pick_member(unit=unit, exclude=[worker]) == boss
