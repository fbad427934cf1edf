"""What the customer is told about their case (tickets/cases/messages.py, issue #13):
"case received" once per case, on the channel the customer can be reached on, in their
language, only with consent to service contact, with the first-contact commitment and the
tracking link; delivered through the outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aftersales.models import OutboxMessage
from aftersales.outbox import LocmemSmsBackend
from customers.models import Contact
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tickets.cases import selectors as case_selectors
from tickets.cases import services as case_services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday morning


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(unit_tree, manager_user):
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=quality, approver=manager_user, owner_unit=unit_tree["co"]
    )


def received(ticket) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(key=f"customer:received:{ticket.pk}"))


def test_a_case_opened_on_the_phone_tells_the_customer_by_email(
    standard, agent_user, django_capture_on_commit_callbacks
):
    wang = customer(
        actor=agent_user, name="Wang Fang", phones=["13800138001"],
        email="wang@example.com", preferred_channel="email",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(actor=agent_user, customer=wang, title="Drum noisy")
    [message] = received(ticket)
    assert (message.channel, message.to) == ("email", "wang@example.com")
    assert message.subject == f"Your case {ticket.number} was received"
    due = timezone.localtime(ticket.first_contact_due_at)
    assert f"We have received your case {ticket.number} (Drum noisy)." in message.body
    assert f"We will contact you by {due:%Y-%m-%d %H:%M}." in message.body
    # the tracking link opens this case on the portal
    link = message.body.split("reply here: ")[1].split(" ")[0]
    token = link.rsplit("/", 2)[-2]
    assert case_selectors.ticket_get_by_token(token=token) == ticket
    # delivered once
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    message.refresh_from_db()
    assert message.sent_at is not None


def test_a_customer_who_prefers_the_phone_gets_an_sms(
    standard, agent_user, django_capture_on_commit_callbacks
):
    li = customer(
        actor=agent_user, name="Li Lei", phones=["13800138002"], email="li@example.com"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(actor=agent_user, customer=li)
    [message] = received(ticket)
    assert message.channel == "sms"
    assert message.subject == ""
    assert [s["to"] for s in LocmemSmsBackend.sent] == [message.to]
    assert ticket.number in LocmemSmsBackend.sent[0]["body"]


def test_without_consent_to_service_contact_nothing_is_sent(standard, agent_user):
    zhao = customer(
        actor=agent_user, name="Zhao Min", phones=["13800138003"],
        email="zhao@example.com", consent_service=False,
    )  # fmt: skip
    ticket = open_ticket(actor=agent_user, customer=zhao)
    assert received(ticket) == []


def test_a_customer_without_an_address_is_not_written_to(standard, agent_user):
    walk_in = customer(actor=agent_user, name="Sun Yu")
    ticket = open_ticket(actor=agent_user, customer=walk_in, source="counter")
    assert received(ticket) == []


def test_a_portal_case_is_not_told_twice(standard, agent_user):
    # (the portal sends its own tracking link when the customer files the case)
    wu = customer(actor=agent_user, name="Wu Di", email="wu@example.com")
    ticket = open_ticket(actor=agent_user, customer=wu, source="portal")
    assert received(ticket) == []


def test_the_message_is_in_the_language_of_the_customers_portal_login(
    standard, agent_user
):
    login = UserFactory(language="zh-hans")
    chen = customer(
        actor=agent_user, name="Chen Jie", email="chen@example.com",
        preferred_channel="email",
    )  # fmt: skip
    chen.user = login
    chen.save(update_fields=["user"])
    ticket = open_ticket(actor=agent_user, customer=chen)
    [message] = received(ticket)
    assert message.subject == f"您的服务单 {ticket.number} 已受理"
    assert "我们将在" in message.body


# --- "Tell the customer" --------------------------------------------------------------------


def test_telling_the_customer_by_sms_sends_the_text_and_records_it(
    standard, agent_user, django_capture_on_commit_callbacks
):
    li = customer(actor=agent_user, name="Li Lei", phones=["13800138002"])
    ticket = open_ticket(actor=agent_user, customer=li)
    LocmemSmsBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.ticket_inform_customer(
            ticket=ticket, actor=agent_user, channel="sms",
            message="The technician comes on Tuesday 9-12.",
        )  # fmt: skip
    [sms] = LocmemSmsBackend.sent
    assert sms["body"].startswith("The technician comes on Tuesday 9-12.\n\n")
    assert f"Case {ticket.number}: http" in sms["body"]
    event = ticket.events.get(type=TicketEvent.Type.CUSTOMER_INFORMED)
    assert event.public is True
    assert event.data == {
        "message": "The technician comes on Tuesday 9-12.",
        "channel": "sms",
    }
    told = Contact.objects.get(
        customer=li, direction="outbound",
        summary="The technician comes on Tuesday 9-12.",
    )  # fmt: skip
    assert (told.channel, told.reference) == ("sms", ticket.number)
    ticket.refresh_from_db()
    assert ticket.first_contact_at is not None


def test_after_a_call_nothing_is_sent(standard, agent_user):
    li = customer(actor=agent_user, name="Li Lei", phones=["13800138002"])
    ticket = open_ticket(actor=agent_user, customer=li)
    before = OutboxMessage.objects.count()
    case_services.ticket_inform_customer(
        ticket=ticket, actor=agent_user, message="Explained the warranty."
    )
    assert OutboxMessage.objects.count() == before
    assert Contact.objects.filter(
        customer=li, channel="phone", direction="outbound"
    ).exists()


@pytest.mark.parametrize(
    ("fields", "channel", "error"),
    [
        ({"phones": ["13800138002"]}, "email", "The customer has no address on this channel."),
        ({"email": "x@example.com"}, "sms", "The customer has no address on this channel."),
        (
            {"email": "x@example.com", "consent_service": False}, "email",
            "The customer does not consent to service messages: call them instead.",
        ),
    ],
)  # fmt: skip
def test_a_text_that_cannot_be_sent_is_refused_and_nothing_is_recorded(
    standard, agent_user, fields, channel, error
):
    person = customer(actor=agent_user, name="Ma Li", **fields)
    ticket = open_ticket(actor=agent_user, customer=person)
    before = (
        OutboxMessage.objects.count(), ticket.events.count(), person.contacts.count()
    )  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        case_services.ticket_inform_customer(
            ticket=ticket, actor=agent_user, channel=channel, message="Hello"
        )
    assert excinfo.value.message_dict == {"channel": [error]}
    assert (
        OutboxMessage.objects.count(), ticket.events.count(), person.contacts.count()
    ) == before  # fmt: skip


def test_the_case_page_sends_by_email_and_shows_a_refusal(
    client, standard, agent_user, django_capture_on_commit_callbacks
):
    wang = customer(actor=agent_user, name="Wang Fang", email="wang@example.com")
    ticket = open_ticket(actor=agent_user, customer=wang)
    client.force_login(agent_user)
    url = reverse("tickets:ticket-inform", args=[ticket.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"channel": "email", "message": "Parts arrive Friday."}, follow=True
        )
    assert "Sent to the customer and recorded." in response.content.decode()
    assert mail.outbox[-1].subject == f"About your case {ticket.number}"
    assert mail.outbox[-1].body.startswith("Parts arrive Friday.")
    refused = client.post(url, {"channel": "sms", "message": "Hi"}, follow=True)
    assert refused.status_code == 200
    assert "The customer has no address on this channel." in refused.content.decode()


def test_the_api_sends_by_email_and_answers_400_without_an_address(
    api_client, standard, agent_user
):
    wang = customer(actor=agent_user, name="Wang Fang", email="wang@example.com")
    ticket = open_ticket(actor=agent_user, customer=wang)
    api_client.force_authenticate(agent_user)
    url = f"/api/v1/tickets/{ticket.pk}/inform-customer/"
    ok = api_client.post(
        url, {"message": "On its way.", "channel": "email"}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    assert (
        OutboxMessage.objects.filter(
            key__startswith="customer:told:", to="wang@example.com"
        ).count()
        == 1
    )
    bad = api_client.post(url, {"message": "Hi", "channel": "sms"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["channel"] == ["The customer has no address on this channel."]
    wrong = api_client.post(url, {"message": "Hi", "channel": "fax"}, format="json")
    assert wrong.status_code == 400
    assert "channel" in wrong.json()


# --- Resolved, a public reply, reopened -------------------------------------------------------


def test_the_customer_is_told_the_resolution_and_that_a_follow_up_call_comes(
    standard, agent_user
):
    wang = customer(
        actor=agent_user, name="Wang Fang", email="wang@example.com",
        preferred_channel="email",
    )  # fmt: skip
    ticket = open_ticket(actor=agent_user, customer=wang)
    case_services.ticket_transition(
        ticket=ticket, action="acknowledge", actor=agent_user
    )
    case_services.ticket_inform_customer(
        ticket=ticket, actor=agent_user, message="Fixed today."
    )
    case_services.ticket_resolve(
        ticket=ticket, actor=agent_user, cause_code="bearing",
        liability="producer_defect", resolution="Drum bearing replaced.",
    )  # fmt: skip
    [message] = OutboxMessage.objects.filter(key=f"customer:resolved:0:{ticket.pk}")
    assert message.subject == f"Your case {ticket.number} is resolved"
    assert message.body.startswith(
        f"Your case {ticket.number} is resolved. Drum bearing replaced. We will call you "
        "soon to ask how we did. Details: http"
    )


def test_a_public_reply_is_sent_and_an_internal_note_is_not(standard, agent_user):
    li = customer(actor=agent_user, name="Li Lei", phones=["13800138002"])
    ticket = open_ticket(actor=agent_user, customer=li)
    note = case_services.ticket_comment(
        ticket=ticket, actor=agent_user, body="Grumpy on the phone."
    )
    reply = case_services.ticket_comment(
        ticket=ticket, actor=agent_user, body="The part ships tomorrow.", public=True
    )
    assert not OutboxMessage.objects.filter(key=f"customer:reply:{note.pk}:{ticket.pk}")
    [sent] = OutboxMessage.objects.filter(key=f"customer:reply:{reply.pk}:{ticket.pk}")
    assert sent.channel == "sms"
    assert (
        f"A reply on your case {ticket.number}: The part ships tomorrow." in sent.body
    )
    assert "Grumpy" not in sent.body


def test_a_reopened_case_tells_the_customer_once_per_reopening(
    standard, agent_user, supervisor_user
):
    li = customer(actor=agent_user, name="Li Lei", phones=["13800138002"])
    ticket = open_ticket(actor=agent_user, customer=li)
    case_services.ticket_transition(
        ticket=ticket, action="acknowledge", actor=agent_user
    )
    case_services.ticket_inform_customer(
        ticket=ticket, actor=agent_user, message="Done."
    )
    ticket = case_services.ticket_resolve(
        ticket=ticket, actor=agent_user, cause_code="bearing", liability="none"
    )
    ticket = case_services.ticket_transition(
        ticket=ticket, action="reopen", actor=supervisor_user, note="Still noisy."
    )
    [told] = OutboxMessage.objects.filter(key=f"customer:reopened:1:{ticket.pk}")
    assert f"Your case {ticket.number} is open again" in told.body
    # resolved again: told again (a new round); the reopening is not told twice
    case_services.ticket_transition(ticket=ticket, action="start", actor=agent_user)
    case_services.ticket_inform_customer(ticket=ticket, actor=agent_user, message="Ok.")
    case_services.ticket_resolve(
        ticket=ticket, actor=agent_user, cause_code="bearing", liability="none"
    )
    keys = set(
        OutboxMessage.objects.filter(key__startswith="customer:").values_list(
            "key", flat=True
        )
    )
    assert {
        f"customer:resolved:0:{ticket.pk}",
        f"customer:resolved:1:{ticket.pk}",
    } <= keys
    assert len([k for k in keys if k.startswith("customer:reopened:")]) == 1
