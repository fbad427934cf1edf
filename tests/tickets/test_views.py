"""Staff pages of the tickets app (tickets/cases/views.py): the queue and the case page in both
languages, who gets 403 or 404, the action buttons a person is offered, and firing an
action from the case page (success and refusals that change nothing)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, resolved, service_standard
from tickets.models import Ticket, TicketEvent
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
S = TicketStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def case(unit_tree, agent_user, manager_user):
    """A P2 repair Li (hotline agent) opened through the services."""
    with time_machine.travel(NOW, tick=False):
        author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
        service_standard(
            author=author, approver=manager_user, owner_unit=unit_tree["co"]
        )
        zhang = customer(actor=agent_user, name="Zhang Wei")
        return open_ticket(
            actor=agent_user,
            customer=zhang,
            type="repair",
            priority="P2",
            title="Washing machine is noisy",
        )


def logged_in(client, user):
    client.force_login(user)
    return client


def buttons(response) -> list[str]:
    return re.findall(r'name="action" value="(\w+)"', response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def unchanged(ticket, *, status: str, events: int) -> None:
    ticket.refresh_from_db()
    assert ticket.status == status
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


# --- Pages ---------------------------------------------------------------------------------------


def test_queue_renders_in_english(agent_client, case):
    response = agent_client.get("/tickets/")

    assertContains(response, '<html lang="en"')
    assertContains(response, "Case queue")
    assertContains(response, f'href="/tickets/{case.number}/"')
    assertContains(response, "Washing machine is noisy")


def test_queue_renders_in_chinese(agent_client, case):
    response = agent_client.get("/zh-hans/tickets/")

    assertContains(response, '<html lang="zh-hans"')
    assertContains(response, "服务单")
    assertContains(response, f'href="/zh-hans/tickets/{case.number}/"')


def test_case_page_renders_in_english_and_chinese(agent_client, case, agent_user):
    for prefix, html_lang in (("", "en"), ("/zh-hans", "zh-hans")):
        response = agent_client.get(f"{prefix}/tickets/{case.number}/")

        assertContains(response, f'<html lang="{html_lang}"')
        assertContains(response, case.number)
        assertContains(response, "Washing machine is noisy")
        assertContains(
            response,
            f'<dd class="col-6" data-testid="first-owner">{agent_user.name}</dd>',
        )


def test_case_page_by_pk_shows_the_same_case(agent_client, case):
    response = agent_client.get(f"/tickets/{case.pk}/")

    assert response.status_code == 200
    assert response.context["ticket"] == case


def test_a_signed_out_visitor_is_sent_to_sign_in(client, case):
    response = client.get("/tickets/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_customer_user_gets_403_everywhere(client, case, customer_user):
    logged_in(client, customer_user)

    assert client.get("/tickets/").status_code == 403
    assert client.get(f"/tickets/{case.number}/").status_code == 403
    response = client.post(f"/tickets/{case.number}/action/", {"action": "acknowledge"})
    assert response.status_code == 403
    unchanged(case, status=S.NEW, events=1)


def test_staff_outside_the_cases_scope_get_404(client, case, unit_tree):
    branch2 = UnitFactory(code="br2", name="Branch 2", parent=unit_tree["co"])
    outsider = UserFactory(roles=["agent"], units=[branch2])
    logged_in(client, outsider)

    assert client.get(f"/tickets/{case.number}/").status_code == 404
    assert client.get(f"/tickets/{case.pk}/").status_code == 404
    response = client.post(f"/tickets/{case.number}/action/", {"action": "acknowledge"})
    assert response.status_code == 404
    unchanged(case, status=S.NEW, events=1)
    assert case.number not in client.get("/tickets/?view=all").content.decode()


def test_an_unknown_or_huge_number_is_404(agent_client, case):
    assert agent_client.get("/tickets/T19990101-00001/").status_code == 404
    assert agent_client.get("/tickets/99999999999999999999999/").status_code == 404


# --- Action buttons ------------------------------------------------------------------------------


def test_case_page_offers_only_the_actions_the_person_may_take(
    client, case, agent_user, unit_tree
):
    caller = UserFactory(roles=["followup_agent"], units=[unit_tree["hot"]])

    assert buttons(logged_in(client, agent_user).get(f"/tickets/{case.number}/")) == [
        "acknowledge",
        "cancel",
        "mark_duplicate",
    ]
    response = logged_in(client, caller).get(f"/tickets/{case.number}/")
    assert response.status_code == 200
    assert buttons(response) == []


def test_a_resolved_repair_offers_close_to_the_agent_but_nothing_to_the_technician(
    client, case, agent_user, technician_user, unit_tree
):
    with time_machine.travel(NOW, tick=False):
        resolved(case, agent_user)
    technician_in_hotline = UserFactory(roles=["technician"], units=[unit_tree["hot"]])

    assert buttons(logged_in(client, agent_user).get(f"/tickets/{case.number}/")) == [
        "close"
    ]
    response = logged_in(client, technician_in_hotline).get(f"/tickets/{case.number}/")
    assert response.status_code == 200
    assert buttons(response) == []


# --- Firing an action ----------------------------------------------------------------------------


def test_posting_acknowledge_changes_the_status_and_adds_an_event(
    agent_client, case, agent_user
):
    response = agent_client.post(
        f"/tickets/{case.number}/action/", {"action": "acknowledge", "note": ""}
    )

    assertRedirects(response, f"/tickets/{case.number}/")
    assert messages_of(response) == ["Done."]
    case.refresh_from_db()
    assert case.status == S.ACKNOWLEDGED
    event = TicketEvent.objects.filter(ticket=case).latest("pk")
    assert event.type == TicketEvent.Type.STATUS_CHANGED
    assert event.actor == agent_user
    assert (event.data["old"], event.data["new"]) == ("new", "acknowledged")
    assert buttons(agent_client.get(f"/tickets/{case.number}/")) == [
        "start",
        "cancel",
        "mark_duplicate",
    ]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("close", "“Close” is not possible for a case that is New."),
        ("resume", "“Resume” is not possible for a case that is New."),
        ("launch", "“launch” is not possible for a case that is New."),
        ("", "“” is not possible for a case that is New."),
        ("cancel", "Give a reason."),
    ],
)
def test_an_invalid_action_shows_an_error_and_changes_nothing(
    agent_client, case, action, message
):
    response = agent_client.post(
        f"/tickets/{case.number}/action/", {"action": action, "note": " "}
    )

    assertRedirects(response, f"/tickets/{case.number}/")
    assert messages_of(response) == [message]
    unchanged(case, status=S.NEW, events=1)
    assert Ticket.objects.get(pk=case.pk).acknowledged_at is None


def test_an_action_the_role_may_not_take_shows_an_error_and_changes_nothing(
    client, case, unit_tree
):
    caller = UserFactory(roles=["followup_agent"], units=[unit_tree["hot"]])
    logged_in(client, caller)

    response = client.post(f"/tickets/{case.number}/action/", {"action": "acknowledge"})

    assertRedirects(response, f"/tickets/{case.number}/")
    assert messages_of(response) == ["Your role does not allow “Acknowledge”."]
    unchanged(case, status=S.NEW, events=1)


def test_a_stale_action_from_a_second_tab_is_refused(agent_client, case, agent_user):
    act(case, agent_user, A.ACKNOWLEDGE)

    response = agent_client.post(
        f"/tickets/{case.number}/action/", {"action": "acknowledge"}
    )

    assert messages_of(response) == [
        "“Acknowledge” is not possible for a case that is Acknowledged."
    ]
    unchanged(case, status=S.ACKNOWLEDGED, events=2)


def test_the_action_url_only_takes_post(agent_client, case):
    assert agent_client.get(f"/tickets/{case.number}/action/").status_code == 405
    unchanged(case, status=S.NEW, events=1)
