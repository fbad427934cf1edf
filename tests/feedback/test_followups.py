"""Follow-up loop services (domain §7, A04–A06): scheduling on resolution (window,
coverage, round-robin, never a worker of the case), the sweep (due, automated retries,
unreachable, cancel, re-drive), attempts and quiet hours, completion (satisfied closes,
dissatisfied reopens to the same first owner and brings a second follow-up, early/late
flags, 409 twice), the linked QA complaint, the supervisor's close of an unreachable case,
the answer link, questionnaire versions, care calls and the customer timeline."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.exceptions import InvalidTransition
from aftersales.models import JobRun, Notification, OutboxMessage, User
from aftersales.services import membership_set
from customers import selectors as archive_selectors
from feedback.followups import services
from feedback.models import FollowUp, FollowUpAttempt, Questionnaire
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.feedback.test_followups_helpers import *  # noqa: F403  # fixtures
from tests.feedback.test_followups_helpers import NOW, H, handed_to, resolve, task_of
from tests.standards.factories import approved
from tests.tickets.factories import act, open_ticket
from tickets.cases import services as ticket_services
from tickets.models import Ticket, TicketEvent
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

S = FollowUp.Status


# --- Scheduling -----------------------------------------------------------------------


def test_resolving_a_case_schedules_its_followup_in_the_standards_window(
    resolved_case, visitor
):
    followup = task_of(resolved_case)
    assert followup.kind == FollowUp.Kind.AFTER_SERVICE
    assert followup.status == S.SCHEDULED
    assert followup.opens_at == resolved_case.resolved_at + 3 * H
    assert followup.closes_at == resolved_case.resolved_at + 72 * H
    assert followup.due_at == followup.closes_at
    assert followup.assigned_to == visitor
    assert followup.unit.code == "fu"
    assert followup.customer == resolved_case.customer
    assert (followup.max_attempts, followup.next_channel) == (3, "phone")
    assert followup.next_attempt_at == followup.opens_at
    assert followup.questionnaire.status == Questionnaire.Status.ACTIVE
    assert followup.questionnaire.scale == "csat5"
    assert resolved_case.status == TicketStatus.AWAITING_FOLLOW_UP


def test_scheduling_is_idempotent(resolved_case):
    assert services.followup_schedule_for_ticket(ticket_id=resolved_case.pk) == 0
    assert services.followup_schedule_for_ticket(ticket_id=resolved_case.pk) == 0
    assert FollowUp.objects.filter(ticket=resolved_case).count() == 1


def test_a_type_the_standard_does_not_cover_gets_no_followup(
    zhang, agent_user, visitor, capture
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    ticket = resolve(ticket, agent_user, capture)
    assert ticket.status == TicketStatus.RESOLVED
    assert services.followup_schedule_for_ticket(ticket_id=ticket.pk) == 0
    assert not FollowUp.objects.exists()


def test_the_followup_never_goes_to_someone_who_worked_on_the_case(
    zhang, agent_user, org, capture
):
    # given a follow-up agent (first in the round) who also repaired this case
    both = UserFactory(
        username="wu",
        roles=["followup_agent", "technician"],
        units=[org["fu"], org["ws"]],
    )
    other = UserFactory(username="zz", roles=["followup_agent"], units=[org["fu"]])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    ticket = handed_to(ticket, owner=agent_user, worker=both, unit=org["ws"])
    # when the case is resolved
    ticket = resolve(ticket, both, capture)
    # then the follow-up goes to the other member of the team
    assert task_of(ticket).assigned_to == other
    # while a case wu did not touch goes to wu, next in the round
    untouched = resolve(
        open_ticket(actor=agent_user, customer=zhang), agent_user, capture
    )
    assert task_of(untouched).assigned_to == both


def test_nobody_eligible_leaves_the_task_unassigned_with_the_team(zhang, org, capture):
    only = UserFactory(
        username="wu", roles=["followup_agent", "agent"], units=[org["fu"], org["hot"]]
    )
    ticket = open_ticket(actor=only, customer=zhang)
    ticket = resolve(ticket, only, capture)
    followup = task_of(ticket)
    assert followup.assigned_to is None
    assert followup.unit == org["fu"]


def test_tasks_go_round_robin_in_the_nearest_followup_team(
    zhang, agent_user, org, visitor, visitor2, capture
):
    far_branch = UnitFactory(code="br2", kind="branch", parent=org["co"])
    far_team = UnitFactory(code="fu2", kind="followup_team", parent=far_branch)
    UserFactory(username="far", roles=["followup_agent"], units=[far_team])
    assigned = []
    for _n in range(3):
        ticket = resolve(
            open_ticket(actor=agent_user, customer=zhang), agent_user, capture
        )
        assigned.append(task_of(ticket).assigned_to.username)
    assert assigned == ["huang", "ma", "huang"]


def test_a_customer_without_consent_to_service_contact_is_declined_at_once(
    agent_user, standard, followup_supervisor, visitor, capture
):
    from tests.customers.factories import customer

    private = customer(actor=agent_user, name="Qian", consent_service=False)
    ticket = resolve(
        open_ticket(actor=agent_user, customer=private), agent_user, capture
    )
    followup = task_of(ticket)
    assert followup.status == S.DECLINED
    assert followup.next_attempt_at is None
    assert Notification.objects.filter(
        recipient=followup_supervisor, kind="followup_declined"
    ).exists()


# --- Sweep ----------------------------------------------------------------------------


def test_the_sweep_makes_tasks_due_when_the_window_opens_once(resolved_case, clock):
    followup = task_of(resolved_case)
    assert services.followup_sweep(now=NOW + 2 * H) == 0
    followup.refresh_from_db()
    assert followup.status == S.SCHEDULED
    assert services.followup_sweep(now=NOW + 3 * H) == 1
    assert services.followup_sweep(now=NOW + 3 * H) == 0
    followup.refresh_from_db()
    assert followup.status == S.DUE
    assert JobRun.objects.filter(name="followup_sweep").count() == 3


def test_the_sweep_redrives_a_case_whose_message_was_lost(
    zhang, agent_user, visitor, clock
):
    # the signal's after-commit hook never ran (the broker was down)
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, TicketAction.ACKNOWLEDGE, TicketAction.START)
    from tests.tickets.factories import ready_to_resolve

    ready_to_resolve(ticket, agent_user)
    ticket.refresh_from_db()
    ticket_services.ticket_resolve(
        ticket=ticket, actor=agent_user, cause_code="x", liability="none"
    )
    assert not FollowUp.objects.exists()
    assert services.followup_sweep(now=NOW + 5 * timedelta(minutes=1)) == 0
    assert services.followup_sweep(now=NOW + 11 * timedelta(minutes=1)) == 1
    assert task_of(ticket).assigned_to == visitor
    assert services.followup_sweep(now=NOW + 12 * timedelta(minutes=1)) == 0


def test_the_sweep_cancels_the_task_of_a_case_that_stopped_waiting(
    resolved_case, agent_user
):
    act(resolved_case, agent_user, TicketAction.REOPEN, note="Customer called back")
    services.followup_sweep(now=NOW + H)
    followup = task_of(resolved_case)
    assert followup.status == S.CANCELLED


# --- Attempts, quiet hours, unreachable -----------------------------------------------


def test_no_answer_moves_on_to_the_next_channel_after_the_interval(
    resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 4 * H)  # 14:00
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    followup.refresh_from_db()
    assert followup.status == S.IN_PROGRESS
    assert followup.attempts_count == 1
    assert followup.next_channel == "sms"
    # (72 − 3) h ÷ 3 attempts = 23 h later: 13:00 the next day
    assert followup.next_attempt_at == NOW + 4 * H + 23 * H
    attempt = followup.attempts.get()
    assert (attempt.channel, attempt.outcome, attempt.by) == (
        "phone",
        "no_answer",
        visitor,
    )


def test_the_next_attempt_moves_out_of_the_customers_quiet_hours(
    resolved_case, visitor, clock
):
    customer = resolved_case.customer
    customer.quiet_hours_start, customer.quiet_hours_end = time(12, 0), time(15, 30)
    customer.save()
    followup = task_of(resolved_case)
    clock.move_to(NOW + 4 * H)  # 14:00 is inside the customer's own quiet hours
    with pytest.raises(ValidationError):
        services.followup_attempt(
            followup=followup, actor=visitor, channel="phone", outcome="no_answer"
        )
    clock.move_to(NOW + 6 * H)  # 16:00
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    followup.refresh_from_db()
    # 16:00 + 23 h = 15:00 next day, inside 12:00–15:30: moved to 15:30
    assert followup.next_attempt_at == NOW + 24 * H + 5.5 * H


def test_an_attempt_in_the_standards_quiet_hours_is_refused(
    resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 12 * H)  # 22:00
    with pytest.raises(ValidationError) as refused:
        services.followup_attempt(
            followup=followup, actor=visitor, channel="phone", outcome="no_answer"
        )
    assert "Quiet hours" in refused.value.messages[0]
    assert "08:00" in refused.value.messages[0]
    followup.refresh_from_db()
    assert (followup.attempts_count, followup.status) == (0, S.SCHEDULED)
    assert not FollowUpAttempt.objects.exists()


def test_max_attempts_make_the_customer_unreachable_and_alert_the_supervisors(
    resolved_case, visitor, supervisor_user, followup_supervisor, clock
):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 4 * H)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    # the sweep sends the answer link by SMS at the second attempt's time
    followup.refresh_from_db()
    at = followup.next_attempt_at
    assert services.followup_sweep(now=at - H) == 0
    assert services.followup_sweep(now=at) == 1
    followup.refresh_from_db()
    assert (followup.attempts_count, followup.next_channel) == (2, "phone")
    # (besides what the customer was told about the case: received, resolved)
    sms = OutboxMessage.objects.exclude(key__startswith="customer:").get(channel="sms")
    assert sms.to == "+8613800138000"
    assert "/followups/a/" in sms.body
    assert services.followup_sweep(now=at) == 0  # once
    clock.move_to(followup.next_attempt_at)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    followup.refresh_from_db()
    assert followup.status == S.UNREACHABLE
    assert followup.result == ""
    assert list(followup.attempts.values_list("channel", "by")) == [
        ("phone", visitor.pk), ("sms", None), ("phone", visitor.pk)
    ]  # fmt: skip
    for person in (supervisor_user, followup_supervisor):
        assert (
            Notification.objects.filter(
                recipient=person, kind="followup_unreachable"
            ).count()
            == 1
        )
    resolved_case.refresh_from_db()
    assert resolved_case.status == TicketStatus.AWAITING_FOLLOW_UP
    assert resolved_case.follow_up_completed_at is None


def test_an_automated_last_attempt_becomes_unreachable_after_one_interval(
    zhang, agent_user, visitor, capture, clock, standard, quality_user, manager_user
):
    # given a standard version in force today with two attempts (phone, then SMS)
    approved(
        standard.document,
        author=quality_user,
        approver=manager_user,
        effective_from=NOW.date(),
        today=NOW.date(),
        parameters={"followup": {"max_attempts": 2}},
    )
    ticket = resolve(open_ticket(actor=agent_user, customer=zhang), agent_user, capture)
    followup = task_of(ticket)
    assert followup.max_attempts == 2
    clock.move_to(NOW + 4 * H)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    followup.refresh_from_db()
    sms_at = followup.next_attempt_at
    # when the sweep sends the last attempt, the SMS link
    assert services.followup_sweep(now=sms_at) == 1
    followup.refresh_from_db()
    assert (followup.attempts_count, followup.status) == (2, S.IN_PROGRESS)
    # then the customer has one more interval to answer before being unreachable
    assert services.followup_sweep(now=followup.next_attempt_at - H) == 0
    assert services.followup_sweep(now=followup.next_attempt_at) == 1
    followup.refresh_from_db()
    assert followup.status == S.UNREACHABLE


def test_a_refusal_declines_the_followup(
    resolved_case, visitor, supervisor_user, clock
):
    followup = task_of(resolved_case)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="refused"
    )
    followup.refresh_from_db()
    assert followup.status == S.DECLINED
    assert Notification.objects.filter(
        recipient=supervisor_user, kind="followup_declined"
    ).exists()
    with pytest.raises(InvalidTransition):
        services.followup_attempt(
            followup=followup, actor=visitor, channel="phone", outcome="no_answer"
        )


def test_the_case_worker_may_not_record_its_followup(
    resolved_case, technician_user, org
):
    # the technician who repaired it joins the follow-up team
    technician_user.groups.add(Group.objects.get(name="followup_agent"))
    membership_set(user=technician_user, unit=org["fu"])
    repairer = User.objects.get(pk=technician_user.pk)
    followup = task_of(resolved_case)
    assert FollowUp.objects.visible_to(repairer).filter(pk=followup.pk).exists()
    with pytest.raises(PermissionDenied):
        services.followup_complete(
            followup=followup, actor=repairer, score=5, resolved=True
        )
    with pytest.raises(PermissionDenied):
        services.followup_attempt(
            followup=followup, actor=repairer, channel="phone", outcome="no_answer"
        )
    followup.refresh_from_db()
    assert followup.status == S.SCHEDULED


# --- Completion -----------------------------------------------------------------------


def test_a_satisfied_answer_closes_the_case(resolved_case, visitor, clock):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 5 * H)
    services.followup_complete(
        followup=followup,
        actor=visitor,
        score=4,
        resolved=True,
        comment="Works well",
        conduct={"wear_shoe_covers": True},
        topics=["attitude"],
    )
    followup.refresh_from_db()
    assert (followup.status, followup.result) == (S.COMPLETED, "satisfied")
    assert followup.timeliness == "on_time"
    assert (followup.completed_by, followup.completed_via) == (visitor, "phone")
    assert followup.conduct == {"wear_shoe_covers": True}
    assert followup.attempts.get().outcome == "reached"
    resolved_case.refresh_from_db()
    assert resolved_case.status == TicketStatus.CLOSED
    assert resolved_case.follow_up_completed_at == NOW + 5 * H
    assert resolved_case.events.filter(
        type=TicketEvent.Type.FOLLOW_UP, data__outcome="satisfied"
    ).exists()


def test_dissatisfied_reopens_to_the_same_first_owner_alerts_and_follows_up_again(
    resolved_case,
    agent_user,
    technician_user,
    supervisor_user,
    visitor,
    visitor2,
    capture,
    clock,
):
    # given the workshop's technician resolved the agent's case
    assert resolved_case.handler == technician_user
    followup = task_of(resolved_case)
    clock.move_to(NOW + 5 * H)
    # when the customer says the problem is not solved
    services.followup_complete(
        followup=followup,
        actor=visitor,
        score=2,
        resolved=False,
        comment="Still noisy",
    )
    # then the case is reopened at once to the same first owner and their unit
    ticket = Ticket.objects.get(pk=resolved_case.pk)
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.first_owner == agent_user
    assert ticket.handler == agent_user
    assert ticket.unit.code == "hot"
    assert ticket.resolve_due_at > NOW + 5 * H
    assert (
        Notification.objects.filter(
            recipient=supervisor_user, kind="followup_dissatisfied"
        ).count()
        == 1
    )
    assert Notification.objects.filter(
        recipient=agent_user, kind="ticket_reopened"
    ).exists()
    followup.refresh_from_db()
    assert followup.result == "dissatisfied"
    # when the rework is resolved, a second follow-up follows
    clock.move_to(NOW + 30 * H)
    ticket = resolve(ticket, agent_user, capture)
    second = task_of(ticket, round_=2)
    assert second.kind == FollowUp.Kind.SECOND
    assert second.previous == followup
    assert second.opens_at == NOW + 33 * H
    assert second.assigned_to in {visitor, visitor2}
    # the first answer still counts as dissatisfied
    followup.refresh_from_db()
    assert (followup.status, followup.result) == (S.COMPLETED, "dissatisfied")
    services.followup_complete(followup=second, actor=visitor, score=5, resolved=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_a_high_score_with_the_problem_unsolved_is_dissatisfied(resolved_case, visitor):
    followup = task_of(resolved_case)
    services.followup_complete(
        followup=followup, actor=visitor, score=5, resolved=False
    )
    followup.refresh_from_db()
    assert followup.result == "dissatisfied"


@pytest.mark.parametrize(("score", "result"), [(2, "dissatisfied"), (3, "satisfied")])
def test_the_standards_line_decides_on_its_own_scale(
    resolved_case, visitor, score, result
):
    followup = task_of(resolved_case)
    services.followup_complete(
        followup=followup, actor=visitor, score=score, resolved=True
    )
    followup.refresh_from_db()
    assert followup.result == result


@pytest.mark.parametrize(("score", "result"), [(6, "dissatisfied"), (7, "satisfied")])
def test_an_nps_questionnaire_counts_detractors_as_dissatisfied(
    zhang, agent_user, visitor, quality_user, capture, score, result
):
    nps = services.questionnaire_create(
        actor=quality_user, code="nps", title="NPS", scale="nps10"
    )
    services.questionnaire_activate(actor=quality_user, questionnaire=nps)
    ticket = resolve(open_ticket(actor=agent_user, customer=zhang), agent_user, capture)
    followup = task_of(ticket)
    assert followup.questionnaire == nps
    services.followup_complete(
        followup=followup, actor=visitor, score=score, resolved=True
    )
    followup.refresh_from_db()
    assert followup.result == result


def test_a_score_off_the_scale_is_refused(resolved_case, visitor):
    followup = task_of(resolved_case)
    with pytest.raises(ValidationError) as refused:
        services.followup_complete(
            followup=followup, actor=visitor, score=6, resolved=True, topics=["nope"]
        )
    assert set(refused.value.message_dict) == {"score", "topics"}
    followup.refresh_from_db()
    assert followup.status == S.SCHEDULED


def test_completion_before_the_window_is_allowed_and_flagged_early(
    resolved_case, visitor
):
    followup = task_of(resolved_case)
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    followup.refresh_from_db()
    assert (followup.status, followup.timeliness) == (S.COMPLETED, "early")


def test_completion_after_the_window_is_flagged_late(resolved_case, visitor, clock):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 73 * H)
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    followup.refresh_from_db()
    assert followup.timeliness == "late"


def test_a_completed_followup_cannot_be_completed_again(resolved_case, visitor):
    followup = task_of(resolved_case)
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    stale = FollowUp.objects.get(pk=followup.pk)
    with pytest.raises(InvalidTransition):
        services.followup_complete(
            followup=stale, actor=visitor, score=1, resolved=False
        )
    stale.refresh_from_db()
    assert (stale.result, stale.score) == ("satisfied", 5)
    assert stale.attempts.count() == 1


def test_a_complaint_about_the_service_opens_a_linked_complaint_owned_by_qa(
    resolved_case, visitor, quality_user
):
    followup = task_of(resolved_case)
    services.followup_complete(
        followup=followup,
        actor=visitor,
        score=1,
        resolved=True,
        comment="The technician was rude",
        service_complaint=True,
    )
    followup.refresh_from_db()
    complaint = followup.linked_complaint
    assert complaint.type == "complaint"
    assert complaint.linked_to == resolved_case
    assert complaint.first_owner == quality_user
    assert complaint.unit.code == "qa"
    assert complaint.description == "The technician was rude"
    assert complaint.customer == resolved_case.customer


# --- Unreachable path -----------------------------------------------------------------


def _unreachable(followup, visitor, clock):
    for _n in range(3):
        followup.refresh_from_db()
        clock.move_to(max(followup.next_attempt_at, NOW + 4 * H))
        services.followup_attempt(
            followup=followup, actor=visitor, channel="phone", outcome="no_answer"
        )
    followup.refresh_from_db()
    assert followup.status == S.UNREACHABLE
    return followup


def test_only_a_supervisors_note_closes_an_unreachable_customers_case(
    resolved_case, visitor, supervisor_user, clock
):
    followup = _unreachable(task_of(resolved_case), visitor, clock)
    with pytest.raises(PermissionDenied):
        services.followup_close_unreachable(
            followup=followup, actor=visitor, note="Tried three times"
        )
    with pytest.raises(ValidationError):
        services.followup_close_unreachable(
            followup=followup, actor=supervisor_user, note=" "
        )
    services.followup_close_unreachable(
        followup=followup, actor=supervisor_user, note="Three calls, two channels"
    )
    ticket = Ticket.objects.get(pk=resolved_case.pk)
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.events.get(type=TicketEvent.Type.FOLLOW_UP).data == {
        "outcome": "unreachable",
        "note": "Three calls, two channels",
    }
    followup.refresh_from_db()
    assert (followup.status, followup.result) == (S.UNREACHABLE, "")
    assert followup.supervisor_note_by == supervisor_user


def test_a_late_answer_still_completes_an_unreachable_followup(
    resolved_case, visitor, clock
):
    followup = _unreachable(task_of(resolved_case), visitor, clock)
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    followup.refresh_from_db()
    assert (followup.status, followup.result) == (S.COMPLETED, "satisfied")


# --- Answer link ----------------------------------------------------------------------


def test_the_answer_link_answers_once(resolved_case, visitor, clock, capture):
    followup = task_of(resolved_case)
    with capture(execute=True):
        message = services.followup_send_link(
            followup=followup, actor=visitor, channel="sms", base_url="https://x.test/"
        )
    assert message.to == "+8613800138000"
    token = message.body.split("/followups/a/")[1].split("/")[0]
    assert "https://x.test/followups/a/" in message.body
    assert services.followup_for_token(token=token) == followup
    services.followup_answer_by_link(token=token, score=1, resolved=False)
    followup.refresh_from_db()
    assert (followup.result, followup.completed_via, followup.completed_by) == (
        "dissatisfied",
        "link",
        None,
    )
    with pytest.raises(services.AnswerLinkProblem) as twice:
        services.followup_answer_by_link(token=token, score=5, resolved=True)
    assert twice.value.reason == "used"
    resolved_case.refresh_from_db()
    assert resolved_case.status == TicketStatus.REOPENED


def test_an_answer_link_expires_and_a_new_link_replaces_the_old(
    resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    first = services.followup_send_link(followup=followup, actor=visitor)
    old = first.body.split("/followups/a/")[1].split("/")[0]
    second = services.followup_send_link(
        followup=followup, actor=visitor, channel="email"
    )
    new = second.body.split("/followups/a/")[1].split("/")[0]
    assert second.to == "zhang@example.com"
    with pytest.raises(services.AnswerLinkProblem) as replaced:
        services.followup_for_token(token=old)
    assert replaced.value.reason == "invalid"
    clock.move_to(NOW + 7 * 24 * H + H)
    with pytest.raises(services.AnswerLinkProblem) as expired:
        services.followup_for_token(token=new)
    assert expired.value.reason == "expired"
    with pytest.raises(services.AnswerLinkProblem) as forged:
        services.followup_for_token(token=new[:-2] + "xx")
    assert forged.value.reason == "invalid"


# --- Questionnaires -------------------------------------------------------------------


def test_questionnaire_versions_activate_one_at_a_time(quality_user, agent_user):
    first = services.questionnaire_create(
        actor=quality_user, code="visit", title="Visit", scale="csat5"
    )
    services.questionnaire_activate(actor=quality_user, questionnaire=first)
    draft = services.questionnaire_new_version(actor=quality_user, questionnaire=first)
    assert (draft.version, draft.status) == (2, "draft")
    assert draft.questions == first.questions
    with pytest.raises(InvalidTransition):
        services.questionnaire_update(
            actor=quality_user,
            questionnaire=first,
            title="Changed",
            scale="csat5",
            questions=first.questions,
        )
    services.questionnaire_update(
        actor=quality_user,
        questionnaire=draft,
        title="Visit (2026)",
        scale="three_level",
        questions={**first.questions, "topics": [{"code": "noise", "label": "Noise"}]},
    )
    services.questionnaire_activate(actor=quality_user, questionnaire=draft)
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.status, draft.status) == ("retired", "active")
    assert draft.questions["topics"] == [{"code": "noise", "label": "Noise"}]
    with pytest.raises(PermissionDenied):
        services.questionnaire_new_version(actor=agent_user, questionnaire=draft)


def test_questionnaire_codes_must_be_well_formed(quality_user):
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_create(
            actor=quality_user,
            code="x",
            title="X",
            scale="csat5",
            questions={"score": "Q?", "resolved": "", "topics": [{"code": "A B"}]},
        )
    assert len(refused.value.message_dict["questions"]) == 2


# --- Care calls and the timeline ------------------------------------------------------


def test_a_care_call_is_created_once_per_key(zhang, visitor, org):
    followup = services.followup_create_care(
        customer=zhang,
        opens_at=NOW,
        closes_at=NOW + 48 * H,
        source_key="care:1:2026-03",
    )
    assert (followup.kind, followup.ticket, followup.status) == ("care", None, S.DUE)
    assert followup.assigned_to == visitor
    again = services.followup_create_care(
        customer=zhang,
        opens_at=NOW,
        closes_at=NOW + 48 * H,
        source_key="care:1:2026-03",
    )
    assert again is None
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    followup.refresh_from_db()
    assert followup.result == "satisfied"


def test_every_followup_and_attempt_is_on_the_customers_timeline(
    resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    clock.move_to(NOW + 4 * H)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="no_answer"
    )
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    entries = archive_selectors.customer_timeline(customer=resolved_case.customer)
    kinds = [entry["kind"] for entry in entries]
    assert kinds.count("followup") == 1
    assert kinds.count("followup_attempt") == 2
    done = next(entry for entry in entries if entry["kind"] == "followup")
    assert str(done["status"]) == "Satisfied"
    assert done["by"] == visitor.name


def test_the_sweep_command_runs_the_same_sweep(resolved_case, clock):
    from io import StringIO

    from django.core.management import call_command

    clock.move_to(NOW + 3 * H)
    out = StringIO()
    call_command("followup_sweep", stdout=out)
    assert out.getvalue().strip() == "followup_sweep: 1 follow-up(s) touched"
    assert task_of(resolved_case).status == S.DUE


def test_a_questionnaire_tied_to_the_pinned_standard_is_asked_first(
    zhang, agent_user, visitor, quality_user, standard, capture
):
    general = services.questionnaire_create(
        actor=quality_user, code="general", title="General", scale="csat5"
    )
    services.questionnaire_activate(actor=quality_user, questionnaire=general)
    tied = services.questionnaire_create(
        actor=quality_user,
        code="tied",
        title="Tied",
        scale="three_level",
        standard=standard.document,
    )
    services.questionnaire_activate(actor=quality_user, questionnaire=tied)
    ticket = resolve(open_ticket(actor=agent_user, customer=zhang), agent_user, capture)
    followup = task_of(ticket)
    assert followup.questionnaire == tied
    services.followup_complete(followup=followup, actor=visitor, score=1, resolved=True)
    followup.refresh_from_db()
    assert followup.result == "dissatisfied"  # three levels: 1 is dissatisfied


def test_a_case_reopened_after_closing_needs_a_new_followup_to_close(
    resolved_case, visitor, agent_user, capture
):
    from aftersales.exceptions import DomainError

    services.followup_complete(
        followup=task_of(resolved_case), actor=visitor, score=5, resolved=True
    )
    ticket = Ticket.objects.get(pk=resolved_case.pk)
    act(ticket, agent_user, TicketAction.REOPEN, note="The same fault is back")
    ticket = resolve(ticket, agent_user, capture)
    assert task_of(ticket, round_=2).status == S.SCHEDULED
    with pytest.raises(DomainError):
        act(ticket, agent_user, TicketAction.CLOSE)
