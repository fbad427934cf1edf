"""The customer hears from us at each step (issue #13): case received, visit booked and
the reminder the day before, handed to a workshop, waiting for parts, resolved (with what
they are owed), a public reply, reopened. Per event: only with consent, at most once,
held past quiet hours, on the customer's timeline; the texts the quality manager keeps
per event and language (placeholders checked, previews); one e-mail thread per case."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftersales.models import OutboxMessage
from aftersales.services import outbox_deliver, outbox_sweep
from customers import selectors as archive_selectors
from customers.models import Contact, Customer
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.cases import messages
from tickets.cases import services as case_services
from tickets.models import MessageTemplate
from tickets.recourse import services as recourse_services
from tickets.repairs import services as repair_services
from tickets.replies import notices
from tickets.workflow import TicketAction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday morning
TOMORROW_9 = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def quality_user(unit_tree):
    return UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])


@pytest.fixture
def standard(unit_tree, manager_user, quality_user):
    return service_standard(
        author=quality_user, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def world(standard, agent_user, technician_user, supervisor_user, unit_tree, clock):
    """Wang Fang (e-mail, consent) and the people who serve her."""

    def build(**customer_fields) -> SimpleNamespace:
        wang = customer(
            actor=agent_user, name="Wang Fang", email="wang@example.com",
            preferred_channel="email", **customer_fields,
        )  # fmt: skip
        return SimpleNamespace(
            customer=wang, agent=agent_user, tech=technician_user,
            supervisor=supervisor_user, units=unit_tree, clock=clock, ticket=None,
        )  # fmt: skip

    return build


def _open(w):
    w.ticket = open_ticket(actor=w.agent, customer=w.customer, title="Drum noisy")
    return w.ticket


# Each event: fire it through the service a person uses (returns the outbox key of its
# message), and ask for the same message again (must send nothing).
def fire_received(w):
    ticket = _open(w)
    w.again = lambda: messages.customer_tell_received(ticket=ticket)
    return f"customer:received:{ticket.pk}"


def fire_visit_booked(w):
    ticket = _open(w)
    visit = repair_services.visit_schedule(
        ticket=ticket, actor=w.agent, technician=w.tech,
        appointment_start=TOMORROW_9, appointment_end=TOMORROW_9 + timedelta(hours=2),
    )  # fmt: skip
    w.again = lambda: messages.customer_tell_visit_booked(visit=visit)
    return f"customer:visit:{visit.pk}:{ticket.pk}"


def fire_visit_reminder(w):
    w.clock.move_to(NOW - timedelta(days=1))  # booked yesterday for tomorrow
    ticket = _open(w)
    visit = repair_services.visit_schedule(
        ticket=ticket, actor=w.agent, technician=w.tech,
        appointment_start=TOMORROW_9, appointment_end=TOMORROW_9 + timedelta(hours=2),
    )  # fmt: skip
    w.clock.move_to(NOW)
    repair_services.visit_reminder_sweep(now=timezone.now())
    w.again = lambda: repair_services.visit_reminder_sweep(now=timezone.now()) or None
    return f"customer:visit-reminder:{visit.pk}:{ticket.pk}"


def fire_workshop(w):
    ticket = _open(w)
    handover = case_services.handover_request(
        ticket=ticket, actor=w.agent, to_unit=w.units["ws"], reason="Needs the bench"
    )
    case_services.handover_accept(handover=handover, actor=w.tech)
    w.again = lambda: messages.customer_tell_workshop(handover=handover)
    return f"customer:workshop:{handover.pk}:{ticket.pk}"


def fire_parts(w):
    ticket = _open(w)
    act(ticket, w.agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
    case_services.ticket_pause(ticket=ticket, actor=w.agent, reason="parts")
    event = ticket.events.filter(data__new="waiting_parts").get()
    w.again = lambda: messages.customer_tell_parts(ticket=ticket, event_id=event.pk)
    return f"customer:parts:{event.pk}:{ticket.pk}"


def _resolved(w):
    ticket = _open(w)
    act(ticket, w.agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
    case_services.ticket_inform_customer(ticket=ticket, actor=w.agent, message="Ok.")
    return case_services.ticket_resolve(
        ticket=ticket, actor=w.agent, cause_code="bearing", liability="none",
        resolution="Drum bearing replaced.",
    )  # fmt: skip


def fire_resolved(w):
    ticket = _resolved(w)
    w.again = lambda: messages.customer_tell_resolved(
        ticket=ticket, awaiting_follow_up=True
    )
    return f"customer:resolved:0:{ticket.pk}"


def fire_reply(w):
    ticket = _open(w)
    reply = case_services.ticket_comment(
        ticket=ticket, actor=w.agent, body="The part ships tomorrow.", public=True
    )
    w.again = lambda: messages.customer_tell_reply(
        ticket=ticket, event_id=reply.pk, text="The part ships tomorrow."
    )
    return f"customer:reply:{reply.pk}:{ticket.pk}"


def fire_reopened(w):
    ticket = _resolved(w)
    ticket = case_services.ticket_transition(
        ticket=ticket, action="reopen", actor=w.supervisor, note="Still noisy."
    )
    w.again = lambda: messages.customer_tell_reopened(ticket=ticket)
    return f"customer:reopened:1:{ticket.pk}"


FIRE = {
    "received": fire_received,
    "visit_booked": fire_visit_booked,
    "visit_reminder": fire_visit_reminder,
    "workshop": fire_workshop,
    "parts": fire_parts,
    "resolved": fire_resolved,
    "reply": fire_reply,
    "reopened": fire_reopened,
}


def test_every_event_has_a_test():
    assert set(FIRE) == set(notices.NOTICES)


@pytest.mark.parametrize("event", sorted(FIRE))
def test_each_event_is_sent_once_and_is_on_the_customers_timeline(world, event):
    w = world()
    key = FIRE[event](w)
    [message] = OutboxMessage.objects.filter(key=key)
    assert (message.channel, message.to) == ("email", "wang@example.com")
    assert message.thread == w.ticket.number
    assert w.ticket.number in message.subject
    assert "{" not in message.body
    assert "}" not in message.body
    assert message.not_before is None
    assert w.again() is None
    assert OutboxMessage.objects.filter(key=key).count() == 1
    # on record: one outbound contact with the text, linked to the case
    [told] = Contact.objects.filter(customer=w.customer, summary=message.body)
    assert (told.direction, told.channel, told.reference) == (
        "outbound", "email", w.ticket.number,
    )  # fmt: skip
    timeline = archive_selectors.customer_timeline(customer=w.customer)
    assert any(message.body in str(entry) for entry in timeline)


@pytest.mark.parametrize("event", sorted(FIRE))
def test_no_event_is_sent_without_consent_to_service_contact(world, event):
    w = world(consent_service=False)
    key = FIRE[event](w)
    assert not OutboxMessage.objects.filter(key=key).exists()
    assert not w.customer.contacts.filter(direction="outbound", channel="email")


@pytest.mark.parametrize("event", sorted(FIRE))
def test_each_event_waits_for_the_customers_quiet_hours(world, event):
    w = world()
    Customer.objects.filter(pk=w.customer.pk).update(
        quiet_hours_start=time(9, 0), quiet_hours_end=time(12, 0)
    )
    w.customer.refresh_from_db()
    key = FIRE[event](w)
    [message] = OutboxMessage.objects.filter(key=key)
    assert message.not_before == datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    mail.outbox.clear()
    assert outbox_deliver(message_id=message.pk) is False
    outbox_sweep(now=datetime(2026, 3, 2, 11, 59, tzinfo=SHANGHAI))
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.subject not in [m.subject for m in mail.outbox]
    assert outbox_sweep(now=datetime(2026, 3, 2, 12, 1, tzinfo=SHANGHAI)) >= 1
    assert message.subject in [m.subject for m in mail.outbox]
    message.refresh_from_db()
    assert message.sent_at is not None


def test_the_standards_quiet_hours_hold_a_message_written_at_night(world, clock):
    # the default standard's follow-up quiet hours: 21:00-08:00
    w = world()
    clock.move_to(datetime(2026, 3, 2, 22, 30, tzinfo=SHANGHAI))
    ticket = _open(w)
    [message] = OutboxMessage.objects.filter(key=f"customer:received:{ticket.pk}")
    assert message.not_before == datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)


def test_staff_texts_go_at_once_even_in_quiet_hours(world):
    w = world()
    Customer.objects.filter(pk=w.customer.pk).update(
        quiet_hours_start=time(9, 0), quiet_hours_end=time(12, 0)
    )
    ticket = _open(w)
    message = messages.customer_send_text(
        ticket=ticket, channel="email", text="Call me back.", key="told:1"
    )
    assert message.not_before is None


# --- What each message says ------------------------------------------------------------


def test_the_visit_message_names_the_time_window(world):
    w = world()
    key = fire_visit_booked(w)
    message = OutboxMessage.objects.get(key=key)
    assert "2026-03-03 09:00–11:00" in message.body


def test_the_reminder_is_only_for_tomorrows_visits_booked_earlier_and_not_started(
    world, clock
):
    w = world()
    clock.move_to(NOW - timedelta(days=1))
    ticket = _open(w)

    def book(start):
        return repair_services.visit_schedule(
            ticket=ticket, actor=w.agent, technician=w.tech, appointment_start=start
        )

    tomorrow, later = book(TOMORROW_9), book(TOMORROW_9 + timedelta(days=1))
    started = book(TOMORROW_9 + timedelta(hours=3))
    clock.move_to(NOW)
    booked_today = book(TOMORROW_9 + timedelta(hours=5))
    type(started).objects.filter(pk=started.pk).update(arrived_at=timezone.now())
    assert repair_services.visit_reminder_sweep(now=timezone.now()) == 1
    reminded = OutboxMessage.objects.filter(key__startswith="customer:visit-reminder:")
    assert [m.key for m in reminded] == [
        f"customer:visit-reminder:{tomorrow.pk}:{ticket.pk}"
    ]
    assert {later.pk, booked_today.pk}.isdisjoint({tomorrow.pk})
    assert repair_services.visit_reminder_sweep(now=timezone.now()) == 0


def test_a_case_moved_between_workshops_does_not_tell_again(world):
    w = world()
    fire_workshop(w)
    w.ticket.refresh_from_db()
    other = UnitFactory(
        code="ws2", name="Workshop 2", kind="repair_workshop", parent=w.units["br"]
    )
    second_tech = UserFactory(roles=["technician"], units=[other])
    handover = case_services.handover_request(
        ticket=w.ticket, actor=w.tech, to_unit=other, reason="Their bench"
    )
    case_services.handover_accept(handover=handover, actor=second_tech)
    keys = OutboxMessage.objects.filter(key__startswith="customer:workshop:")
    assert keys.count() == 1


def test_waiting_for_the_customer_is_not_told_as_waiting_for_parts(world):
    w = world()
    ticket = _open(w)
    act(ticket, w.agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
    case_services.ticket_pause(ticket=ticket, actor=w.agent, reason="customer")
    assert not OutboxMessage.objects.filter(key__startswith="customer:parts:")


def test_the_resolved_message_says_what_the_customer_is_owed(world):
    w = world()
    ticket = _open(w)
    act(ticket, w.agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
    recourse_services.compensation_record(
        ticket=ticket, actor=w.agent, kind="transport", amount="50.00",
        liability="none",
    )  # fmt: skip
    case_services.ticket_inform_customer(ticket=ticket, actor=w.agent, message="Done.")
    case_services.ticket_resolve(
        ticket=ticket, actor=w.agent, cause_code="bearing",
        liability="producer_defect", resolution="Drum bearing replaced.",
    )  # fmt: skip
    message = OutboxMessage.objects.get(key=f"customer:resolved:0:{ticket.pk}")
    assert message.body.startswith(
        f"Your case {ticket.number} is resolved. Drum bearing replaced. What we owe "
        "you: Transport 50.00. We will call you soon to ask how we did. Details: http"
    )


def test_a_case_title_with_line_breaks_still_makes_a_deliverable_email(
    world, django_capture_on_commit_callbacks
):
    w = world()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(
            actor=w.agent, customer=w.customer, title="Leaks\r\nBcc: x@evil.example"
        )
    message = OutboxMessage.objects.get(key=f"customer:received:{ticket.pk}")
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    message.refresh_from_db()
    assert message.sent_at is not None
    [sent] = mail.outbox
    assert "Bcc" not in sent.message().as_string().split("\n\n")[0]
    assert "\n" not in sent.subject


# --- One thread per case ---------------------------------------------------------------


def test_the_emails_of_a_case_form_one_thread(
    world, django_capture_on_commit_callbacks
):
    w = world()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _open(w)
        case_services.ticket_comment(
            ticket=ticket, actor=w.agent, body="Parts ordered.", public=True
        )
    first, second = (m.message() for m in mail.outbox)
    root = f"<case.{ticket.number}@"
    for rendered in (first, second):
        assert rendered["In-Reply-To"].startswith(root)
        assert rendered["References"].startswith(root)
        assert rendered["X-Aftersales-Case"] == ticket.number
        assert ticket.number in rendered["Subject"]
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"].startswith("<outbox.")


# --- The quality manager's texts ---------------------------------------------------------


def test_the_quality_managers_text_is_sent_in_its_language(world, quality_user):
    w = world()
    notices.notice_save(
        actor=quality_user, event="received", language="en",
        subject="Case {number} opened",
        body="Dear {customer_name}, your case {number} is with us. {next_step} {url}",
    )  # fmt: skip
    key = fire_received(w)
    message = OutboxMessage.objects.get(key=key)
    assert message.subject == f"Case {w.ticket.number} opened"
    assert message.body.startswith(
        f"Dear Wang Fang, your case {w.ticket.number} is with us. We will contact you "
        "by "
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("Case {number} {colour}", "Unknown placeholder {colour}"),
        ("Case {number:>40}", "Unknown placeholder {number:>40}"),
        ("Case {number.__class__}", "Unknown placeholder {number.__class__}"),
        ("Case {window}", "Unknown placeholder {window}"),  # not this event's
        ("Case {number", "Braces are only for the placeholders"),
    ],
)
def test_a_text_with_a_wrong_placeholder_is_refused_and_nothing_changes(
    quality_user, body, error
):
    with pytest.raises(notices.ValidationError) as excinfo:
        notices.notice_save(
            actor=quality_user, event="received", language="en",
            subject="Case {number}", body=body,
        )  # fmt: skip
    assert error in excinfo.value.message_dict["body"][0]
    assert not MessageTemplate.objects.exists()


def test_only_a_quality_manager_edits_the_texts(agent_user, supervisor_user):
    for person in (agent_user, supervisor_user):
        with pytest.raises(notices.PermissionDenied):
            notices.notice_save(
                actor=person, event="received", language="en",
                subject="x {number}", body="y",
            )  # fmt: skip


def test_the_pages_preview_save_and_reset_a_text(client, quality_user, agent_user):
    client.force_login(agent_user)
    assert client.get(reverse("tickets:notice-list")).status_code == 403
    client.force_login(quality_user)
    page = client.get(reverse("tickets:notice-list"))
    assert page.status_code == 200
    assert "Visit reminder" in page.content.decode()
    url = reverse("tickets:notice-edit", args=["visit_booked", "zh-hans"])
    form = client.get(url)
    assert "技术人员将于 {window} 上门" in form.content.decode()
    preview = client.post(
        url,
        {"subject": "上门预约 {number}", "body": "{customer_name}，{window} 见。",
         "preview": "1"},
    )  # fmt: skip
    html = preview.content.decode()
    assert 'data-testid="notice-preview"' in html
    assert "王芳，2026-12-09 09:00–11:00 见。" in html
    assert not MessageTemplate.objects.exists()
    bad = client.post(url, {"subject": "x", "body": "{due_time}", "save": "1"})
    assert "Unknown placeholder {due_time}" in bad.content.decode()
    assert not MessageTemplate.objects.exists()
    saved = client.post(
        url, {"subject": "上门预约 {number}", "body": "{window} 见。", "save": "1"}
    )
    assert saved.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.event, template.language, template.body) == (
        "visit_booked", "zh-hans", "{window} 见。",
    )  # fmt: skip
    client.post(url, {"reset": "1"})
    assert not MessageTemplate.objects.exists()
    assert (
        client.get(reverse("tickets:notice-edit", args=["nope", "en"])).status_code
        == 404
    )
