"""Reads of the tickets app: who sees which case (TicketQuerySet.visible_to), the queue
views of tickets/selectors.py (mine, units, awaiting, overdue, all) and the search, and the
queue page's query count."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import CustomerFactory, customer
from tests.tickets.factories import TicketFactory, act, open_ticket, service_standard
from tickets.cases import selectors, services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)


def titles(tickets) -> list[str]:
    return sorted(t.title for t in tickets)


# --- Who sees which case --------------------------------------------------------------------------


@pytest.fixture
def org(unit_tree, agent_user, technician_user, manager_user, customer_user):
    """A second branch (br2 → hot2), its agent Zhao, a second hotline agent Ma, the branch
    supervisor Boss (of br), a quality manager, and six cases set up directly (visibility
    does not depend on how a case got there)."""
    branch2 = UnitFactory(
        code="br2", name="Branch 2", kind="branch", parent=unit_tree["co"]
    )
    hot2 = UnitFactory(code="hot2", name="Hotline 2", kind="hotline", parent=branch2)
    zhao = UserFactory(username="zhao", roles=["agent"], units=[hot2])
    ma = UserFactory(username="ma", roles=["agent"], units=[unit_tree["hot"]])
    people = {
        "li": agent_user,
        "liu": technician_user,
        "wang": manager_user,
        "zhao": zhao,
        "ma": ma,
        "boss": UserFactory(
            username="boss", roles=["supervisor"], supervises=[unit_tree["br"]]
        ),
        "qm": UserFactory(username="qm", roles=["quality_manager"]),
        "customer": customer_user,
    }
    own_archive = CustomerFactory(name="Zhang Wei", user=customer_user)
    hot, ws = unit_tree["hot"], unit_tree["ws"]
    TicketFactory(title="hotline, Ma's", unit=hot, first_owner=ma)
    TicketFactory(
        title="Li's, at the workshop", unit=ws, first_owner=agent_user,
        handler=technician_user,
    )  # fmt: skip
    TicketFactory(title="workshop's own", unit=ws, first_owner=technician_user)
    TicketFactory(title="branch 2", unit=hot2, first_owner=zhao)
    TicketFactory(
        title="branch 2, handled by Li", unit=hot2, first_owner=zhao, handler=agent_user
    )
    TicketFactory(
        title="branch 2, the customer's", unit=hot2, first_owner=zhao,
        customer=own_archive,
    )  # fmt: skip
    return people


ALL_SIX = [
    "Li's, at the workshop",
    "branch 2",
    "branch 2, handled by Li",
    "branch 2, the customer's",
    "hotline, Ma's",
    "workshop's own",
]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # an agent: their unit's cases and those they own or handle
        ("li", ["Li's, at the workshop", "branch 2, handled by Li", "hotline, Ma's"]),
        ("ma", ["hotline, Ma's"]),
        ("liu", ["Li's, at the workshop", "workshop's own"]),
        ("zhao", ["branch 2", "branch 2, handled by Li", "branch 2, the customer's"]),
        # a supervisor: their subtree (br → hotline, workshop)
        ("boss", ["Li's, at the workshop", "hotline, Ma's", "workshop's own"]),
        # managers and quality managers: everything
        ("wang", ALL_SIX),
        ("qm", ALL_SIX),
        # a customer: only the cases of their own archive
        ("customer", ["branch 2, the customer's"]),
    ],
)
def test_visible_to(org, who, expected):
    assert titles(Ticket.objects.visible_to(org[who])) == expected


def test_visible_to_nobody_signed_out_or_without_an_archive(org):
    stranger = UserFactory(roles=["customer"])

    assert list(Ticket.objects.visible_to(AnonymousUser())) == []
    assert list(Ticket.objects.visible_to(stranger)) == []


def test_a_handover_to_a_unit_shows_the_case_to_its_members(
    org, unit_tree, technician_user
):
    case = Ticket.objects.get(title="branch 2")

    services.handover_request(
        ticket=case, actor=org["zhao"], to_unit=unit_tree["ws"], reason="Diagnosis"
    )

    assert "branch 2" in titles(Ticket.objects.visible_to(technician_user))
    assert "branch 2" not in titles(Ticket.objects.visible_to(org["ma"]))


def test_ticket_get_by_number_or_pk_within_scope(org):
    case = Ticket.objects.get(title="hotline, Ma's")

    assert selectors.ticket_get(user=org["li"], number=case.number) == case
    assert selectors.ticket_get(user=org["li"], number=str(case.pk)) == case
    with pytest.raises(Http404):
        selectors.ticket_get(user=org["zhao"], number=case.number)
    with pytest.raises(Http404):
        selectors.ticket_get(user=org["li"], number="T19990101-00001")


# --- Queue views and search ----------------------------------------------------------------------


@pytest.fixture
def queue(unit_tree, agent_user, technician_user, manager_user):
    """Cases around Li (hotline), opened through the services at NOW."""
    with time_machine.travel(NOW, tick=False):
        author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
        service_standard(
            author=author, approver=manager_user, owner_unit=unit_tree["co"]
        )
        branch2 = UnitFactory(code="br2", name="Branch 2", parent=unit_tree["co"])
        hot2 = UnitFactory(code="hot2", name="Hotline 2", parent=branch2)
        zhao = UserFactory(username="zhao", roles=["agent"], units=[hot2])
        ma = UserFactory(username="ma", roles=["agent"], units=[unit_tree["hot"]])
        zhang = customer(actor=agent_user, name="Zhang Wei")
        li_na = customer(actor=agent_user, name="Li Na")

        mine = open_ticket(actor=agent_user, customer=zhang, title="Fridge not cooling")
        hotline = open_ticket(actor=ma, customer=li_na, title="Oven door")
        handed = open_ticket(actor=agent_user, customer=li_na, title="Noisy washer")
        act(handed, agent_user, A.ACKNOWLEDGE)
        handover = services.handover_request(
            ticket=handed, actor=agent_user, to_unit=unit_tree["ws"], reason="Repair"
        )
        services.handover_accept(handover=handover, actor=technician_user)
        to_li = open_ticket(actor=technician_user, customer=zhang, title="Call back")
        services.handover_request(
            ticket=to_li, actor=technician_user, to_user=agent_user, reason="Call"
        )
        to_hotline = open_ticket(actor=zhao, customer=li_na, title="Wrong branch")
        services.handover_request(
            ticket=to_hotline, actor=zhao, to_unit=unit_tree["hot"], reason="Yours"
        )
        other = open_ticket(actor=zhao, customer=zhang, title="Branch 2 only")
    return {
        "mine": mine, "hotline": hotline, "handed": handed, "to_li": to_li,
        "to_hotline": to_hotline, "other": other, "zhao": zhao,
    }  # fmt: skip


def queue_titles(user, **kwargs) -> list[str]:
    return titles(selectors.ticket_list(user=user, **kwargs))


def test_view_mine_is_what_i_own_or_handle(queue, agent_user, technician_user):
    assert queue_titles(agent_user, view="mine") == [
        "Fridge not cooling",
        "Noisy washer",
    ]
    assert queue_titles(technician_user, view="mine") == ["Call back", "Noisy washer"]


def test_view_units_is_what_sits_in_my_units(queue, agent_user, technician_user):
    assert queue_titles(agent_user, view="units") == ["Fridge not cooling", "Oven door"]
    assert queue_titles(technician_user, view="units") == ["Call back", "Noisy washer"]


def test_view_awaiting_is_what_waits_for_me_or_my_units(queue, agent_user):
    assert queue_titles(agent_user, view="awaiting") == ["Call back", "Wrong branch"]


def test_view_awaiting_drops_a_case_once_its_handover_is_accepted(queue, agent_user):
    handover = queue["to_hotline"].handovers.get()

    services.handover_accept(handover=handover, actor=agent_user)

    assert queue_titles(agent_user, view="awaiting") == ["Call back"]


def test_view_awaiting_ignores_my_units_old_handovers_of_a_case_waiting_elsewhere(
    queue, agent_user, technician_user, unit_tree
):
    # given: the workshop rejected a case; it now waits for the parts unit
    parts = UnitFactory(code="parts", name="Parts", parent=unit_tree["br"])
    case = queue["mine"]
    handover = services.handover_request(
        ticket=case, actor=agent_user, to_unit=unit_tree["ws"], reason="Repair"
    )
    services.handover_reject(handover=handover, actor=technician_user, reason="Parts")
    services.handover_request(
        ticket=case, actor=agent_user, to_unit=parts, reason="Needs a part"
    )

    # then: nothing waits for the workshop
    assert queue_titles(technician_user, view="awaiting") == []


def test_view_all_and_an_unknown_view_list_everything_visible(queue, agent_user):
    expected = [
        "Call back",
        "Fridge not cooling",
        "Noisy washer",
        "Oven door",
        "Wrong branch",
    ]
    assert queue_titles(agent_user, view="all") == expected
    assert queue_titles(agent_user, view="whatever") == expected


def test_view_overdue_lists_open_cases_with_a_clock_past_due(queue, agent_user):
    # given: Li acknowledged and called the customer of one case at once; the others'
    # 24 h acknowledge clocks run out
    with time_machine.travel(NOW, tick=False):
        mine = queue["mine"]
        act(mine, agent_user, A.ACKNOWLEDGE)
        services.ticket_inform_customer(ticket=mine, actor=agent_user, message="Booked")
        act(queue["hotline"], agent_user, A.CANCEL, note="Withdrawn")

    # then: before 24 h nothing; after it every open, unacknowledged case (the repair Li
    # acknowledged still has its 24 h on-site clock running out)
    assert queue_titles(agent_user, view="overdue", now=NOW + 23 * H) == []
    assert queue_titles(agent_user, view="overdue", now=NOW + 25 * H) == [
        "Call back",
        "Fridge not cooling",
        "Noisy washer",
        "Wrong branch",
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cooling", ["Fridge not cooling"]),
        ("NOISY", ["Noisy washer"]),
        ("zhang", ["Call back", "Fridge not cooling"]),
        ("  Li Na ", ["Noisy washer", "Oven door", "Wrong branch"]),
        ("Na", []),  # the customer's name matches from its start only
        ("nothing like it", []),
    ],
)
def test_search_finds_title_and_customer_within_the_view(
    queue, agent_user, q, expected
):
    assert queue_titles(agent_user, view="all", q=q) == expected


def test_search_finds_a_number(queue, agent_user):
    number = queue["to_li"].number

    assert queue_titles(agent_user, view="all", q=number) == ["Call back"]
    assert queue_titles(agent_user, view="all", q=number[-5:]) == ["Call back"]


def test_search_never_reaches_beyond_what_i_may_see(queue, agent_user):
    assert queue_titles(agent_user, view="all", q="Branch 2") == []
    assert queue_titles(queue["zhao"], view="all", q="Branch 2") == ["Branch 2 only"]


# --- Query count ---------------------------------------------------------------------------------


def _queue_page_queries(client, django_assert_max_num_queries, count, unit_tree):
    hot = unit_tree["hot"]
    for _ in range(count):
        TicketFactory(unit=hot, status=TicketStatus.ACKNOWLEDGED)
    with django_assert_max_num_queries(QUEUE_QUERIES) as captured:
        response = client.get(reverse("tickets:ticket-list"), {"view": "all"})
    assert response.status_code == 200
    assert response.content.count(b'href="/tickets/T2026') == min(count, 25)
    return len(captured)


# Session, user, roles, memberships (visible_to), the cases handed to the person and those
# they follow up (each read as an id list when short: tickets.models.cases._semi_join), the
# paginator's count, the shell's unread-notifications badge, and one page of rows with
# customer, first owner, handler and unit joined. The same for 3 and 30 cases; explain any
# change.
QUEUE_QUERIES = 9


@pytest.mark.parametrize("count", [3, 30])
def test_queue_page_query_count_is_flat(
    agent_client, django_assert_max_num_queries, unit_tree, count
):
    _queue_page_queries(agent_client, django_assert_max_num_queries, count, unit_tree)


def test_queue_page_needs_the_same_queries_for_3_and_30_cases(
    agent_client, django_assert_max_num_queries, unit_tree
):
    few = _queue_page_queries(agent_client, django_assert_max_num_queries, 3, unit_tree)
    many = _queue_page_queries(
        agent_client, django_assert_max_num_queries, 27, unit_tree
    )
    assert few == many
