"""QA re-calls (domain §7): the daily sample of yesterday's completed follow-ups at the
pinned standard's rate (rounded up, so at least one), idempotent; recording a re-call;
a mismatch becomes a QA finding against the follow-up and its agent, whose supervisor is
told; only QA staff record, never the agent who did the follow-up."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from aftersales.exceptions import InvalidTransition
from aftersales.models import JobRun, Notification
from feedback.models import QaFinding, QaRecall
from feedback.voice import services
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at, completed_followup

pytestmark = pytest.mark.django_db

SAMPLING_AT = at(2026, 3, 3, 2, 0)  # the beat's 02:00 run: samples 2026-03-02


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False) as traveller:
        yield traveller


def completions(n, *, agent, visitor, person, when=None, **answer):
    return [
        completed_followup(
            agent=agent,
            visitor=visitor,
            person=person,
            when=when or at(2026, 3, 2, 10, i),
            **answer,
        )
        for i in range(n)
    ]


def test_sample_is_the_rate_of_yesterdays_completions_rounded_up(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for({"followup.qa_sample_rate": 0.25})
    done = completions(7, agent=agent_user, visitor=visitor, person=zhang)
    older = completed_followup(
        agent=agent_user, visitor=visitor, person=zhang, when=at(2026, 3, 1, 23, 59)
    )

    created = services.qa_sampling(now=SAMPLING_AT)

    # 7 × 0.25 = 1.75 → 2 re-calls, all of yesterday's follow-ups, for the QA unit
    assert created == 2
    recalls = list(QaRecall.objects.all())
    assert len(recalls) == 2
    assert {r.followup_id for r in recalls} <= {f.pk for f in done}
    assert older.pk not in {r.followup_id for r in recalls}
    assert {r.unit_id for r in recalls} == {org["qa"].pk}
    assert {str(r.sampled_on) for r in recalls} == {"2026-03-02"}
    run = JobRun.objects.get(name="qa_sampling")
    assert (run.status, run.items) == ("succeeded", 2)


def test_sampling_twice_draws_nothing_more(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for({"followup.qa_sample_rate": 0.25})
    completions(7, agent=agent_user, visitor=visitor, person=zhang)
    services.qa_sampling(now=SAMPLING_AT)

    assert services.qa_sampling(now=SAMPLING_AT) == 0
    call_command("qa_sampling", stdout=io.StringIO())

    assert QaRecall.objects.count() == 2


def test_a_small_day_still_gets_one_recall_at_the_default_rate(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for()  # qa_sample_rate 0.05
    completions(3, agent=agent_user, visitor=visitor, person=zhang)

    assert services.qa_sampling(now=SAMPLING_AT) == 1
    assert QaRecall.objects.get().sample_rate == Decimal("0.05")


def test_a_zero_rate_samples_nothing(
    clock, standard_for, agent_user, visitor, zhang, org
):
    standard_for({"followup.qa_sample_rate": 0})
    completions(2, agent=agent_user, visitor=visitor, person=zhang)

    assert services.qa_sampling(now=SAMPLING_AT) == 0
    assert not QaRecall.objects.exists()


def test_a_day_without_completions_samples_nothing(standard_for, org):
    standard_for()

    assert services.qa_sampling(now=SAMPLING_AT) == 0
    assert JobRun.objects.get(name="qa_sampling").status == "succeeded"


@pytest.fixture
def recall(clock, standard_for, agent_user, visitor, zhang, org, team_supervisor):
    """A satisfied follow-up (score 5, solved) by the visitor, drawn for QA."""
    standard_for({"followup.qa_sample_rate": 1})
    completions(1, agent=agent_user, visitor=visitor, person=zhang)
    services.qa_sampling(now=SAMPLING_AT)
    return QaRecall.objects.select_related("followup").get()


def test_the_same_answer_is_no_finding(recall, qa_staff):
    recorded = services.qa_recall_record(
        recall=recall, actor=qa_staff, score=4, resolved=True, note="Happy."
    )

    assert recorded.status == QaRecall.Status.RECORDED
    assert (recorded.score, recorded.resolved, recorded.satisfied) == (4, True, True)
    assert recorded.is_mismatch is False
    assert recorded.recorded_by == qa_staff
    assert not QaFinding.objects.exists()


def test_a_different_result_and_score_is_a_finding_against_the_agent(
    recall, qa_staff, visitor, team_supervisor
):
    services.qa_recall_record(recall=recall, actor=qa_staff, score=2, resolved=True)

    finding = QaFinding.objects.get()
    assert finding.followup == recall.followup
    assert finding.agent == visitor
    assert finding.reasons == ["result", "score"]
    assert finding.detail["followup"]["score"] == 5
    assert finding.detail["qa"]["score"] == 2
    recall.refresh_from_db()
    assert recall.is_mismatch is True
    assert Notification.objects.filter(
        recipient=team_supervisor, kind="qa_finding"
    ).exists()
    assert not Notification.objects.filter(
        recipient=visitor, kind="qa_finding"
    ).exists()


def test_problem_not_solved_on_recall_is_a_finding(recall, qa_staff):
    services.qa_recall_record(recall=recall, actor=qa_staff, score=5, resolved=False)

    assert QaFinding.objects.get().reasons == ["result", "resolved"]


def test_a_score_one_apart_with_the_same_result_is_no_finding(recall, qa_staff):
    services.qa_recall_record(recall=recall, actor=qa_staff, score=4, resolved=True)

    assert not QaFinding.objects.exists()


def test_the_agent_may_not_recheck_their_own_follow_up(recall, visitor):
    with pytest.raises(PermissionDenied):
        services.qa_recall_record(recall=recall, actor=visitor, score=5, resolved=True)

    recall.refresh_from_db()
    assert recall.status == QaRecall.Status.OPEN


def test_only_qa_staff_record(recall, agent_user, quality_manager):
    with pytest.raises(PermissionDenied):
        services.qa_recall_record(
            recall=recall, actor=agent_user, score=5, resolved=True
        )
    services.qa_recall_record(
        recall=recall, actor=quality_manager, score=5, resolved=True
    )
    recall.refresh_from_db()
    assert recall.recorded_by == quality_manager


def test_recording_twice_is_refused(recall, qa_staff):
    services.qa_recall_record(recall=recall, actor=qa_staff, score=5, resolved=True)

    with pytest.raises(InvalidTransition):
        services.qa_recall_record(
            recall=recall, actor=qa_staff, score=1, resolved=False
        )
    recall.refresh_from_db()
    assert recall.score == 5
    assert not QaFinding.objects.exists()


def test_a_score_off_the_scale_is_refused(recall, qa_staff):
    with pytest.raises(ValidationError) as error:
        services.qa_recall_record(recall=recall, actor=qa_staff, score=9, resolved=True)

    assert "score" in error.value.message_dict
    recall.refresh_from_db()
    assert recall.status == QaRecall.Status.OPEN
