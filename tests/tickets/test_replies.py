"""Canned replies (tickets/replies/, issue #13): placeholders checked and filled, kept by
the team's supervisors (quality managers and managers: all), shared with the team and the
units below it, and used in "Tell the customer" and in notes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aftersales.outbox import LocmemSmsBackend
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tickets.models import CannedReply, TicketEvent
from tickets.replies import selectors, services

pytestmark = pytest.mark.django_db

BODY = "Dear {customer_name}, case {case_number} will be fixed by {due_time}."


@pytest.fixture
def standard(unit_tree, manager_user):
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=quality, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def case(standard, agent_user):
    person = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    return open_ticket(actor=agent_user, customer=person)


def saved(actor, unit, title="Visit booked", body=BODY, language="en"):
    return services.reply_save(
        actor=actor, title=title, body=body, language=language, unit=unit
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("Hello {name}", "Unknown placeholder {name}: use {customer_name}, "
         "{case_number}, {due_time}."),
        ("{customer_name!r}", "Unknown placeholder {customer_name!r}: use "
         "{customer_name}, {case_number}, {due_time}."),
        ("{case_number:>40}", "Unknown placeholder {case_number:>40}: use "
         "{customer_name}, {case_number}, {due_time}."),
        ("{0}", "Unknown placeholder {0}: use {customer_name}, {case_number}, "
         "{due_time}."),
        ("Price {", "Braces are only for the placeholders {customer_name}, "
         "{case_number}, {due_time}."),
    ],
)  # fmt: skip
def test_a_reply_holds_only_the_known_placeholders(
    supervisor_user, unit_tree, body, error
):
    with pytest.raises(ValidationError) as excinfo:
        saved(supervisor_user, unit_tree["hot"], body=body)
    assert excinfo.value.message_dict == {"body": [error]}
    assert not CannedReply.objects.exists()


def test_the_placeholders_are_filled_from_the_case(supervisor_user, unit_tree, case):
    reply = saved(supervisor_user, unit_tree["hot"])
    text = services.reply_render(reply=reply, ticket=case)
    due = timezone.localtime(case.resolve_due_at)
    assert text == (
        f"Dear Zhang Wei, case {case.number} will be fixed by {due:%Y-%m-%d %H:%M}."
    )


def test_who_keeps_a_teams_replies(
    supervisor_user, agent_user, unit_tree, manager_user
):
    saved(supervisor_user, unit_tree["hot"])  # the hotline's supervisor
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    saved(quality, None, title="Shared")  # everyone's, by a quality manager
    with pytest.raises(PermissionDenied):
        saved(agent_user, unit_tree["hot"], title="Mine")
    with pytest.raises(PermissionDenied):
        saved(supervisor_user, None, title="For all")
    assert set(CannedReply.objects.values_list("title", flat=True)) == {
        "Visit booked", "Shared",
    }  # fmt: skip


def test_a_team_uses_its_replies_those_above_it_and_the_shared_ones(
    supervisor_user, agent_user, technician_user, unit_tree, manager_user
):
    saved(manager_user, unit_tree["br"], title="Branch")
    saved(manager_user, unit_tree["hot"], title="Hotline")
    saved(manager_user, unit_tree["ws"], title="Workshop")
    saved(manager_user, None, title="Shared")
    retired = saved(manager_user, None, title="Retired")
    retired.active = False
    retired.save()

    def usable(user):
        return sorted(r.title for r in selectors.reply_list_usable(user=user))

    assert usable(agent_user) == ["Branch", "Hotline", "Shared"]
    assert usable(technician_user) == ["Branch", "Shared", "Workshop"]


def test_telling_the_customer_with_a_saved_reply(
    client,
    supervisor_user,
    agent_user,
    unit_tree,
    case,
    django_capture_on_commit_callbacks,
):
    reply = saved(supervisor_user, unit_tree["hot"])
    client.force_login(agent_user)
    LocmemSmsBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:ticket-inform", args=[case.number]),
            {"channel": "sms", "canned": reply.pk, "message": ""},
            follow=True,
        )
    assert "Sent to the customer and recorded." in response.content.decode()
    [sms] = LocmemSmsBackend.sent
    assert sms["body"].startswith(
        f"Dear Zhang Wei, case {case.number} will be fixed by"
    )
    event = case.events.get(type=TicketEvent.Type.CUSTOMER_INFORMED)
    assert event.data["message"] == services.reply_render(reply=reply, ticket=case)


def test_a_note_from_a_saved_reply_and_a_form_with_neither(
    client, supervisor_user, agent_user, unit_tree, case
):
    reply = saved(supervisor_user, unit_tree["hot"], body="Called {customer_name}.")
    client.force_login(agent_user)
    url = reverse("tickets:ticket-comment", args=[case.number])
    client.post(url, {"canned": reply.pk, "body": ""})
    note = case.events.get(type=TicketEvent.Type.COMMENT)
    assert note.data["body"] == "Called Zhang Wei."
    assert note.public is False
    # what is written wins over the reply
    client.post(url, {"canned": reply.pk, "body": "My own words."})
    assert case.events.filter(type=TicketEvent.Type.COMMENT).last().data["body"] == (
        "My own words."
    )
    empty = client.post(url, {"body": ""}, follow=True)
    assert "Write the message or pick a saved reply." in empty.content.decode()
    assert case.events.filter(type=TicketEvent.Type.COMMENT).count() == 2


def test_the_reply_pages(client, supervisor_user, agent_user, unit_tree):
    client.force_login(supervisor_user)
    create = reverse("tickets:reply-create")
    page = client.get(create)
    assert page.status_code == 200
    bad = client.post(
        create, {"title": "Hi", "body": "Hello {name}", "language": "en",
                 "unit": unit_tree["hot"].pk, "active": "on"},
    )  # fmt: skip
    assert bad.status_code == 200
    assert "Unknown placeholder {name}" in bad.content.decode()
    good = client.post(
        create, {"title": "Hi", "body": "Hello {customer_name}", "language": "zh-hans",
                 "unit": unit_tree["hot"].pk, "active": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.language, reply.unit, reply.updated_by) == (
        "zh-hans", unit_tree["hot"], supervisor_user,
    )  # fmt: skip
    # the agent uses it but does not keep it
    client.force_login(agent_user)
    listing = client.get(reverse("tickets:reply-list")).content.decode()
    assert "Hello {customer_name}" in listing
    assert reverse("tickets:reply-create") not in listing
    assert client.get(reverse("tickets:reply-edit", args=[reply.pk])).status_code == 404
