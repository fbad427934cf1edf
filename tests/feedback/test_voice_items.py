"""Feedback items (domain §7): reply due date, `new → triaged → answered | actioned |
no_action (reason)` by compare-and-set (a wrong state is refused and changes nothing), the
reply sent to the customer, a survey comment recorded once per follow-up, and a change
request that cites items answers them all when it is decided (domain §4), also when its
signal was lost (the reminder sweep re-drives it). The customer timeline shows them."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.exceptions import InvalidTransition
from aftersales.models import OutboxMessage
from customers import selectors as archive_selectors
from feedback.models import FeedbackItem
from feedback.voice import services
from standards import services as standard_services
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at, completed_followup
from tests.standards.factories import document
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db
S = FeedbackItem.Status


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def item(clock, standard_for, agent_user, zhang):
    standard_for()
    return services.feedback_item_create(
        actor=agent_user,
        source=FeedbackItem.Source.CONTACT,
        text="Please offer weekend appointments.",
        customer=zhang,
        topic_codes=["delivery", " delivery ", "hours"],
    )


def test_a_new_item_is_due_in_ten_days_by_default(item, agent_user, zhang):
    assert item.status == S.NEW
    assert item.reply_due_on == date(2026, 3, 12)
    assert item.topic_codes == ["delivery", "hours"]
    assert item.customer == zhang
    assert item.created_by == agent_user


def test_the_standard_may_set_the_reply_days(clock, standard_for, agent_user, zhang):
    standard_for({"followup.feedback_reply_days": 3})
    ticket = open_ticket(actor=agent_user, customer=zhang)

    created = services.feedback_item_create(
        actor=agent_user, source="complaint", text="Too slow.", ticket=ticket
    )

    assert created.reply_due_on == date(2026, 3, 5)
    assert created.customer == zhang  # from the case


def test_an_item_needs_text(clock, standard_for, agent_user):
    standard_for()
    with pytest.raises(ValidationError) as error:
        services.feedback_item_create(actor=agent_user, source="staff", text="  ")
    assert "text" in error.value.message_dict
    assert not FeedbackItem.objects.exists()


def test_customers_do_not_record_items(clock, standard_for, customer_user):
    standard_for()
    with pytest.raises(PermissionDenied):
        services.feedback_item_create(actor=customer_user, source="staff", text="Hi")


def test_triage_then_answer_sends_the_reply_to_the_customer(item, agent_user):
    triaged = services.feedback_item_triage(
        item=item, actor=agent_user, topic_codes=["appointments"]
    )
    assert (triaged.status, triaged.owner, triaged.topic_codes) == (
        S.TRIAGED,
        agent_user,
        ["appointments"],
    )

    answered = services.feedback_item_answer(
        item=triaged, actor=agent_user, reply="From April we open on Saturdays."
    )

    assert answered.status == S.ANSWERED
    assert answered.reply == "From April we open on Saturdays."
    assert answered.answered_by == agent_user
    assert answered.answered_at is not None
    message = OutboxMessage.objects.get(key=f"feedback-reply:{item.pk}")
    assert message.to == "zw@example.com"
    assert "Saturdays" in message.body


def test_an_answer_needs_a_reply(item, agent_user):
    with pytest.raises(ValidationError) as error:
        services.feedback_item_answer(item=item, actor=agent_user, reply=" ")
    assert "reply" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == S.NEW


def test_no_action_needs_a_reason_and_keeps_it_as_the_reply(item, agent_user):
    with pytest.raises(ValidationError) as error:
        services.feedback_item_no_action(item=item, actor=agent_user, reason="")
    assert "reason" in error.value.message_dict

    closed = services.feedback_item_no_action(
        item=item, actor=agent_user, reason="Weekend staff are not available."
    )

    assert closed.status == S.NO_ACTION
    assert closed.reply == "Weekend staff are not available."


def test_mark_actioned(item, agent_user):
    done = services.feedback_item_mark_actioned(
        item=item, actor=agent_user, reply="Saturday slots added."
    )
    assert done.status == S.ACTIONED


def test_an_answered_item_refuses_every_further_step(item, agent_user):
    services.feedback_item_answer(item=item, actor=agent_user, reply="Thanks!")

    for step, kwargs in [
        (services.feedback_item_answer, {"reply": "Again"}),
        (services.feedback_item_no_action, {"reason": "Because"}),
        (services.feedback_item_mark_actioned, {"reply": "Done"}),
        (services.feedback_item_triage, {}),
    ]:
        with pytest.raises(InvalidTransition):
            step(item=item, actor=agent_user, **kwargs)
    item.refresh_from_db()
    assert (item.status, item.reply) == (S.ANSWERED, "Thanks!")


def test_a_stale_copy_cannot_answer_again(item, agent_user):
    stale = FeedbackItem.objects.get(pk=item.pk)
    services.feedback_item_answer(item=item, actor=agent_user, reply="First")

    with pytest.raises(InvalidTransition):
        services.feedback_item_answer(item=stale, actor=agent_user, reply="Second")
    item.refresh_from_db()
    assert item.reply == "First"
    assert OutboxMessage.objects.filter(key__startswith="feedback-reply:").count() == 1


def test_triage_only_from_new(item, agent_user):
    services.feedback_item_triage(item=item, actor=agent_user)
    with pytest.raises(InvalidTransition):
        services.feedback_item_triage(item=item, actor=agent_user)


def test_a_survey_comment_becomes_one_item_per_follow_up(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for()
    followup = completed_followup(
        agent=agent_user,
        visitor=visitor,
        person=zhang,
        comment="The technician was late.",
        when=at(2026, 3, 2, 10),
    )

    first = services.feedback_item_from_followup(followup)
    again = services.feedback_item_from_followup(followup=followup)

    assert first.pk == again.pk
    assert FeedbackItem.objects.count() == 1
    assert (first.source, first.text) == ("survey", "The technician was late.")
    assert first.ticket == followup.ticket
    assert first.customer == zhang
    assert first.followup == followup


def test_a_follow_up_without_comment_makes_no_item(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for()
    followup = completed_followup(
        agent=agent_user, visitor=visitor, person=zhang, when=at(2026, 3, 2, 10)
    )

    assert services.feedback_item_from_followup(followup) is None
    assert not FeedbackItem.objects.exists()


# --- Change requests -----------------------------------------------------------------------


@pytest.fixture
def change_request(clock, unit_tree, manager_user, quality_manager, agent_user):
    doc = document(
        actor=manager_user,
        owner=quality_manager,
        owner_unit=unit_tree["co"],
        code="Q/ACME 900",
        kind="work",
        title="Appointment rules",
    )
    return standard_services.change_request_raise(
        document=doc,
        actor=agent_user,
        title="Weekend appointments",
        proposed_change="Offer Saturday slots.",
        rationale="Customers ask for it.",
    )


def _another_item(agent_user, text="Saturdays please."):
    return services.feedback_item_create(actor=agent_user, source="survey", text=text)


def test_a_cited_item_is_actioned_by_an_accepted_decision(
    item,
    agent_user,
    change_request,
    manager_user,
    django_capture_on_commit_callbacks,
):
    other = _another_item(agent_user)
    answered_before = _another_item(agent_user, "Also Sundays.")
    for cited in (item, other, answered_before):
        services.feedback_item_cite(
            item=cited, change_request=change_request, actor=agent_user
        )
    services.feedback_item_answer(
        item=answered_before, actor=agent_user, reply="Sundays stay closed."
    )

    with django_capture_on_commit_callbacks(execute=True):
        standard_services.change_request_decide(
            change_request=change_request,
            actor=manager_user,
            accept=True,
            note="Saturday slots from April.",
        )

    for cited in (item, other):
        cited.refresh_from_db()
        assert cited.status == S.ACTIONED
        assert cited.reply == "Saturday slots from April."
        assert cited.answered_by == manager_user
        assert cited.answered_by_change_request == change_request
    answered_before.refresh_from_db()
    assert (answered_before.status, answered_before.reply) == (
        S.ANSWERED,
        "Sundays stay closed.",
    )
    assert OutboxMessage.objects.filter(key=f"feedback-reply:{item.pk}").exists()
    assert set(change_request.feedback_items.all()) == {item, other, answered_before}


def test_a_rejected_decision_closes_cited_items_without_action(
    item, agent_user, change_request, manager_user, django_capture_on_commit_callbacks
):
    services.feedback_item_cite(
        item=item, change_request=change_request, actor=agent_user
    )

    with django_capture_on_commit_callbacks(execute=True):
        standard_services.change_request_decide(
            change_request=change_request,
            actor=manager_user,
            accept=False,
            note="Not enough technicians.",
        )

    item.refresh_from_db()
    assert (item.status, item.reply) == (S.NO_ACTION, "Not enough technicians.")


def test_a_lost_decision_signal_is_applied_by_the_reminder_sweep(
    item, agent_user, change_request, manager_user
):
    services.feedback_item_cite(
        item=item, change_request=change_request, actor=agent_user
    )
    # No on-commit callbacks run here: the signal is "lost".
    standard_services.change_request_decide(
        change_request=change_request, actor=manager_user, accept=True, note="Yes."
    )
    item.refresh_from_db()
    assert item.status == S.NEW

    services.voice_reminders(now=at(2026, 3, 2, 12))

    item.refresh_from_db()
    assert (item.status, item.reply) == (S.ACTIONED, "Yes.")
    assert (
        services.feedback_items_answer_by_decision(change_request=change_request) == 0
    )


def test_only_open_change_requests_cite_and_only_open_items_are_cited(
    item, agent_user, change_request, manager_user
):
    services.feedback_item_answer(item=item, actor=agent_user, reply="Done.")
    with pytest.raises(InvalidTransition):
        services.feedback_item_cite(
            item=item, change_request=change_request, actor=agent_user
        )
    other = _another_item(agent_user)
    standard_services.change_request_decide(
        change_request=change_request, actor=manager_user, accept=False, note="No."
    )
    change_request.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.feedback_item_cite(
            item=other, change_request=change_request, actor=agent_user
        )
    assert not change_request.feedback_items.exists()


def test_the_customer_timeline_shows_the_item(item, agent_user, zhang):
    services.feedback_item_answer(item=item, actor=agent_user, reply="Yes.")

    entries = [
        entry
        for entry in archive_selectors.customer_timeline(customer=zhang)
        if entry["kind"] == "feedback"
    ]

    assert len(entries) == 1
    assert entries[0]["url"] == item.get_absolute_url()
    assert entries[0]["detail"] == "Yes."
