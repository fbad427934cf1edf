"""KPI breaches open improvement actions (domain §8, scenario A19): the daily sweep
(dashboards.services.kpi_breach_sweep, its task, beat entry and management command)
measures the last complete month for the company and each branch subtree against the
`kpi` limits of the service standard in force and opens one action per breached KPI,
unit and month (owner: the unit's own supervisor, else a quality manager, told in the
app and by e-mail), never twice; a KPI within its limit opens nothing; an open action is
verified with a note once a later month is back within the limit; a quality manager
closes one with a note on the page and through the API; the list filters; the job run.

Every case and follow-up is made through the services (ticket_open, ticket_transition,
ticket_resolve, followup_schedule_for_ticket, followup_complete), at its moment with
`time-machine` (the services stamp `timezone.now()`); the sweep gets the same moment as
`now=`. No row is written directly and nothing of ours is mocked.

The timeline: the standard is made in January 2026; March's follow-ups are answered on
10 March; the beat's 05:00 run on 1 April measures March (actions due 1 May), the one on
1 May measures April, the one on 1 June measures May."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from aftersales.models import JobRun, Notification, OutboxMessage, User
from dashboards import services as dashboard_services
from dashboards.tasks import kpi_breach_sweep_task
from feedback.followups import services as followup_services
from feedback.models import FollowUp, ImprovementAction, QualityNotice
from feedback.voice import services as voice_services
from standards.parameters import set_path
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.standards.factories import service_parameters
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.cases import services as case_services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
S = ImprovementAction.Status
MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# The beat's runs (05:00): each measures the month before.
SWEEP_APRIL = at(2026, 4, 1, 5)
SWEEP_MAY = at(2026, 5, 1, 5)
SWEEP_JUNE = at(2026, 6, 1, 5)


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    """The clock stands at `moment` (the services stamp `timezone.now()`)."""
    with time_machine.travel(moment, tick=False):
        yield


def sweep(now: datetime) -> int:
    """The breach sweep as the beat runs it at `now` (the clock there too)."""
    with travel(now):
        return dashboard_services.kpi_breach_sweep(now=now)


def kpi_actions(**filters: Any) -> list[ImprovementAction]:
    return list(
        ImprovementAction.objects.exclude(kpi_key="")
        .filter(**filters)
        .order_by("unit__path", "kpi_key")
    )


# --- People, units and the standard -----------------------------------------------------


@pytest.fixture
def org(unit_tree):
    """The shared tree (company → branch → hotline, workshop) plus the branch's
    follow-up team, QA and design (company)."""
    unit_tree["fu"] = UnitFactory(
        code="fu", name="Follow-up Team", kind="followup_team", parent=unit_tree["br"]
    )
    unit_tree["qa"] = UnitFactory(
        code="qa", name="Quality Assurance", kind="qa", parent=unit_tree["co"]
    )
    unit_tree["design"] = UnitFactory(
        code="design", name="Design", kind="design", parent=unit_tree["co"]
    )
    return unit_tree


@pytest.fixture
def quality_manager(org):
    return UserFactory(username="qm", roles=["quality_manager"], units=[org["qa"]])


@pytest.fixture
def branch_supervisor(org):
    return UserFactory(username="zhou", roles=["supervisor"], supervises=[org["br"]])


@pytest.fixture
def visitor(org):
    return UserFactory(username="huang", roles=["followup_agent"], units=[org["fu"]])


@pytest.fixture
def standard_with(org, quality_manager, manager_user):
    """Make the company's service standard (in force since 2024-07-01) with these `kpi`
    parameters: `{"kpi.<key>.ceiling": value}` laid over the default standard, or, with
    `only=True`, those limits and no other (so a test reads just the KPIs it is about)."""

    def make(limits: dict[str, float], *, only: bool = False):
        parameters = service_parameters()
        if only:  # the standard's draft lays changes over the defaults: blank them out
            parameters["kpi"] = {
                key: {"target": None, "ceiling": None} for key in parameters["kpi"]
            }
        for path, value in limits.items():
            set_path(parameters, path, value)
        with travel(at(2026, 1, 5)):
            return service_standard(
                author=quality_manager,
                approver=manager_user,
                owner_unit=org["co"],
                parameters=parameters,
            )

    return make


@pytest.fixture
def zhang(agent_user):
    with travel(at(2026, 1, 5)):
        return customer(
            actor=agent_user,
            name="Zhang Wei",
            phones=["13800138000"],
            email="zhang@example.com",
        )


def answered(
    *, agent, visitor, person, when: datetime, score: int, resolved: bool, **fields
) -> FollowUp:
    """A repair the hotline agent opens, acknowledges, starts and resolves 4 h before
    `when`; its follow-up (window from 3 h after the resolution) is answered at `when`
    by `visitor` with `score` and `resolved` (dissatisfied reopens the case)."""
    with travel(when - 4 * HOUR):
        ticket = open_ticket(actor=agent, customer=person, **fields)
        act(ticket, agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
        case_services.ticket_inform_customer(
            ticket=ticket, actor=agent, message="Fixed: the bearing was replaced."
        )
        case_services.ticket_resolve(
            ticket=ticket,
            actor=agent,
            cause_code="bearing",
            liability="producer_defect",
            resolution="Drum bearing replaced.",
        )
        followup_services.followup_schedule_for_ticket(ticket_id=ticket.pk)
    with travel(when):
        return followup_services.followup_complete(
            followup=FollowUp.objects.get(ticket=ticket),
            actor=visitor,
            score=score,
            resolved=resolved,
        )


DISSATISFACTION_ONLY = {"kpi.dissatisfaction_rate.ceiling": 0.00001}


@pytest.fixture
def march_breach(standard_with, zhang, agent_user, visitor):
    """Only the dissatisfaction rate has a limit (0.001 %); March's one follow-up is
    dissatisfied (100 %)."""
    standard_with(DISSATISFACTION_ONLY, only=True)
    return answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 3, 10), score=2, resolved=False,
    )  # fmt: skip


@pytest.fixture
def branch_action(march_breach, branch_supervisor):
    """The branch's action for March's dissatisfaction rate, opened by the 1 April run."""
    sweep(SWEEP_APRIL)
    return ImprovementAction.objects.get(
        kpi_key="dissatisfaction_rate", unit__code="br", period_start=MARCH
    )


# --- A19: the sweep opens one action per breached KPI, unit and month -------------------


def test_a19_a_branch_over_its_dissatisfaction_ceiling_gets_one_action(
    standard_with, zhang, agent_user, visitor, branch_supervisor, quality_manager, org
):
    # given the default standard (dissatisfaction ceiling 0.001 %) and one March
    # follow-up in the branch, answered dissatisfied with CSAT 2
    standard_with({"kpi.dissatisfaction_rate.ceiling": 0.00001})
    followup = answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 3, 10), score=2, resolved=False,
    )  # fmt: skip
    assert followup.result == FollowUp.Result.DISSATISFIED
    assert Ticket.objects.get(pk=followup.ticket_id).status == TicketStatus.REOPENED

    # when the 05:00 run of 1 April measures March
    touched = sweep(SWEEP_APRIL)

    # then the branch has exactly one dissatisfaction action for March
    (action,) = kpi_actions(kpi_key="dissatisfaction_rate", unit=org["br"])
    assert action.period_start == MARCH
    assert action.period_end == date(2026, 3, 31)
    assert action.owner == branch_supervisor
    assert action.due_on == date(2026, 5, 1)  # 30 days
    assert action.kpi_value == 1.0  # 1 dissatisfied of 1 follow-up
    assert action.kpi_ceiling == 0.00001
    assert action.status == S.OPEN
    assert action.notice is None
    assert action.subject == "Dissatisfaction rate 2026-03"
    assert action.description == (
        "Dissatisfaction rate was 100.00 % in 2026-03, past the limit 0.001 % of the "
        "service standard. Find the cause and act on it."
    )
    # and the other breaches of the default standard, worked out by hand: CSAT 2.00 is
    # under 4.00, satisfaction 0 % under 95 %; the reopened case's fresh resolve clock
    # (P3, 168 h, due 17 March) and its on-site clock (a repair) came due unmet. Within
    # their limits: acknowledgement (at once), first contact, the follow-up rate (1 of 1)
    # and its timeliness (answered inside the window).
    breached = {
        "csat", "dissatisfaction_rate", "on_time_onsite", "on_time_resolve",
        "satisfaction_rate",
    }  # fmt: skip
    assert {a.kpi_key for a in kpi_actions(unit=org["br"])} == breached
    assert {a.owner for a in kpi_actions(unit=org["br"])} == {branch_supervisor}
    # the company (no supervisor of its own) gets the same, owned by the quality manager
    assert {a.kpi_key for a in kpi_actions(unit=org["co"])} == breached
    assert {a.owner for a in kpi_actions(unit=org["co"])} == {quality_manager}
    # departments roll up into their branch: no action of their own
    assert ImprovementAction.objects.count() == touched == 2 * len(breached)
    # an on-time action is labelled by its KPI, not by a key
    (onsite,) = kpi_actions(kpi_key="on_time_onsite", unit=org["br"])
    assert onsite.subject == "On-time on site 2026-03"
    assert onsite.description.startswith("On-time on site was 0.00 % in 2026-03")


def test_the_owner_is_told_in_the_app_and_by_email(
    branch_action, branch_supervisor, quality_manager
):
    title = "Dissatisfaction rate over the limit for Branch in 2026-03"
    notification = Notification.objects.get(key=f"kpi-breach:{branch_action.pk}")
    assert notification.recipient == branch_supervisor
    assert (notification.kind, notification.title) == ("kpi_breach", title)
    assert notification.body == branch_action.description
    assert notification.url == f"/feedback/improvement-actions/{branch_action.pk}/"
    (email,) = OutboxMessage.objects.filter(
        to="zhou@example.com", subject__contains=title
    )
    assert email.channel == OutboxMessage.Channel.EMAIL
    assert f"/feedback/improvement-actions/{branch_action.pk}/" in email.body
    # the company's action went to the quality manager
    company_action = ImprovementAction.objects.get(unit__code="co")
    told = Notification.objects.get(key=f"kpi-breach:{company_action.pk}")
    assert told.recipient == quality_manager
    assert Notification.objects.filter(kind="kpi_breach").count() == 2


def test_a_branch_without_a_supervisor_goes_to_a_quality_manager(
    march_breach, quality_manager, supervisor_user, org
):
    # the hotline's and workshop's supervisor does not supervise the branch itself
    assert sweep(SWEEP_APRIL) == 2

    (action,) = kpi_actions(unit=org["br"])
    assert action.owner == quality_manager
    assert Notification.objects.get(key=f"kpi-breach:{action.pk}").recipient == (
        quality_manager
    )
    assert not Notification.objects.filter(
        recipient=supervisor_user, kind="kpi_breach"
    ).exists()


def test_running_the_sweep_again_opens_nothing_new(branch_action):
    before = {a.pk for a in kpi_actions()}
    assert len(before) == 2  # the branch and the company
    notifications = Notification.objects.filter(kind="kpi_breach").count()
    emails = OutboxMessage.objects.count()

    assert sweep(SWEEP_APRIL) == 0
    assert sweep(at(2026, 4, 20, 5)) == 0  # any later day of April measures March too

    assert {a.pk for a in kpi_actions()} == before
    assert Notification.objects.filter(kind="kpi_breach").count() == notifications
    assert OutboxMessage.objects.count() == emails
    branch_action.refresh_from_db()
    assert branch_action.status == S.OPEN


def test_a_kpi_at_or_within_its_ceiling_opens_no_action(
    standard_with, zhang, agent_user, visitor, branch_supervisor, org
):
    # given limits: dissatisfaction at most 50 %, satisfaction at least 95 %
    standard_with(
        {
            "kpi.dissatisfaction_rate.ceiling": 0.5,
            "kpi.satisfaction_rate.ceiling": 0.95,
        },
        only=True,
    )
    for day, score, resolved in ((10, 2, False), (11, 5, True)):
        answered(
            agent=agent_user, visitor=visitor, person=zhang,
            when=at(2026, 3, day), score=score, resolved=resolved,
        )  # fmt: skip

    # when March is measured: 1 dissatisfied and 1 satisfied of 2
    assert sweep(SWEEP_APRIL) == 2

    # then 50 % dissatisfied is at the ceiling, not past it: no action; 50 % satisfied
    # is under 95 %: one action per unit
    assert not kpi_actions(kpi_key="dissatisfaction_rate")
    assert [(a.unit, a.kpi_key, a.kpi_value) for a in kpi_actions()] == [
        (org["co"], "satisfaction_rate", 0.5),
        (org["br"], "satisfaction_rate", 0.5),
    ]


def test_a_month_without_breaches_opens_nothing(
    standard_with, zhang, agent_user, visitor, branch_supervisor
):
    standard_with({"kpi.dissatisfaction_rate.ceiling": 0.00001})
    # a month with no case at all: every KPI without a value is never red
    assert sweep(SWEEP_APRIL) == 0
    # a satisfied March follow-up, swept before March is over: February is measured
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 3, 10), score=5, resolved=True,
    )  # fmt: skip
    assert sweep(at(2026, 3, 31, 23, 50)) == 0  # March is not complete yet
    assert not ImprovementAction.objects.exists()
    run = JobRun.objects.filter(name="kpi_breaches").latest("pk")
    assert (run.status, run.items, run.detail) == ("succeeded", 0, "2026-02")


# --- Verification when a later month is back within the limit ---------------------------


def test_an_action_is_verified_when_a_later_month_is_within_the_ceiling(
    branch_action, zhang, agent_user, visitor, client, quality_manager
):
    # given April's one follow-up is satisfied (0 % dissatisfied)
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 4, 8), score=5, resolved=True,
    )  # fmt: skip

    # when the run of 1 May measures April
    assert sweep(SWEEP_MAY) == 2  # the branch's and the company's March action

    # then March's action is verified with the re-measurement as its note
    branch_action.refresh_from_db()
    assert branch_action.status == S.VERIFIED
    assert branch_action.remeasured_period == APRIL
    assert branch_action.verified_at == SWEEP_MAY
    assert branch_action.verified_by is None
    note = "Re-measured in 2026-04: 0.00 %, within the limit 0.001 %."
    assert branch_action.close_note == note
    assert not kpi_actions(period_start=APRIL)  # April itself breached nothing
    assert {a.status for a in kpi_actions()} == {S.VERIFIED}
    # and the page shows the note, without the close form
    client.force_login(quality_manager)
    page = client.get(
        reverse("feedback:improvement-action-detail", args=[branch_action.pk])
    )
    assert page.status_code == 200
    assert note in page.content.decode()
    assert 'data-testid="close-action"' not in page.content.decode()
    # a second run verifies nothing more
    assert sweep(SWEEP_MAY) == 0


def test_an_action_stays_open_while_the_later_month_is_still_over_or_unmeasured(
    branch_action, zhang, agent_user, visitor, branch_supervisor
):
    # April has no follow-up: no value, nothing verified, nothing opened
    assert sweep(SWEEP_MAY) == 0
    # May is still dissatisfied: May gets its own action, March's stays open
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 5, 12), score=1, resolved=False,
    )  # fmt: skip
    assert sweep(SWEEP_JUNE) == 2
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (S.OPEN, "")
    (may,) = kpi_actions(unit__code="br", period_start=date(2026, 5, 1))
    assert (may.kpi_key, may.owner, may.due_on) == (
        "dissatisfaction_rate",
        branch_supervisor,
        date(2026, 7, 1),
    )


def test_a_done_action_is_verified_too(
    branch_action, branch_supervisor, zhang, agent_user, visitor
):
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 4, 8), score=5, resolved=True,
    )  # fmt: skip
    with travel(at(2026, 4, 15)):
        done = voice_services.improvement_action_mark_done(
            action=branch_action, actor=branch_supervisor
        )
    assert done.status == S.DONE

    assert sweep(SWEEP_MAY) == 2

    branch_action.refresh_from_db()
    assert branch_action.status == S.VERIFIED
    assert branch_action.done_at == at(2026, 4, 15)  # the owner's own step is kept


@pytest.mark.parametrize("ended", ["verified", "closed"])
def test_an_ended_action_counts_as_answered_on_time_not_as_a_new_breach(
    standard_with, zhang, agent_user, visitor, branch_supervisor, quality_manager, ended
):
    # given limits on dissatisfaction and on improvement actions done by their due day
    standard_with(
        {
            "kpi.dissatisfaction_rate.ceiling": 0.00001,
            "kpi.improvement_on_time_rate.ceiling": 0.8,
        },
        only=True,
    )
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 3, 10), score=2, resolved=False,
    )  # fmt: skip
    assert sweep(SWEEP_APRIL) == 2  # March's actions, due 1 May
    answered(
        agent=agent_user, visitor=visitor, person=zhang,
        when=at(2026, 4, 8), score=5, resolved=True,
    )  # fmt: skip
    if ended == "verified":
        assert sweep(SWEEP_MAY) == 2  # April back within the limit
    else:
        with travel(at(2026, 4, 20)):
            for action in kpi_actions():
                voice_services.improvement_action_close(
                    action=action, actor=quality_manager, note="A supplier's batch."
                )

    # when May (the month the actions fell due) is measured
    touched = sweep(SWEEP_JUNE)

    # then they were answered by their due day: no "improvement actions late" action
    assert not kpi_actions(kpi_key="improvement_on_time_rate")
    assert touched == 0
    assert {a.status for a in kpi_actions()} == {ended}
    # ended without a done step, they are done when they ended (not open work)
    assert {a.done_at for a in kpi_actions()} == {
        SWEEP_MAY if ended == "verified" else at(2026, 4, 20)
    }


# --- Closing with a note: the page ------------------------------------------------------


def api_url(action: ImprovementAction | str, command: str = "") -> str:
    pk = action if isinstance(action, str) else action.pk
    return f"/api/v1/improvement-actions/{pk}/" + (f"{command}/" if command else "")


def detail_url(action: ImprovementAction) -> str:
    return reverse("feedback:improvement-action-detail", args=[action.pk])


def test_a_quality_manager_closes_an_action_with_a_note_on_the_page(
    branch_action, client, quality_manager
):
    client.force_login(quality_manager)
    page = client.get(detail_url(branch_action))
    assert page.status_code == 200
    assert 'data-testid="close-action"' in page.content.decode()

    with travel(at(2026, 4, 10)):
        response = client.post(
            detail_url(branch_action),
            {"note": "  The spike came from one installer.  "},
        )

    assert response.status_code == 302
    assert response["Location"] == detail_url(branch_action)
    branch_action.refresh_from_db()
    assert branch_action.status == S.CLOSED
    assert branch_action.close_note == "The spike came from one installer."
    assert branch_action.verified_by == quality_manager
    assert branch_action.verified_at == at(2026, 4, 10)
    shown = client.get(detail_url(branch_action)).content.decode()
    assert "The spike came from one installer." in shown
    assert "Closed with a note" in shown
    assert 'data-testid="close-action"' not in shown


def test_the_page_refuses_an_empty_note(branch_action, client, quality_manager):
    client.force_login(quality_manager)

    response = client.post(detail_url(branch_action), {"note": "   "})

    assert response.status_code == 400
    assert response.context["close_form"].errors["note"]
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (S.OPEN, "")


def test_an_agent_sees_no_close_form_and_may_not_close(branch_action, agent_client):
    page = agent_client.get(detail_url(branch_action))
    assert page.status_code == 200
    assert 'data-testid="close-action"' not in page.content.decode()

    response = agent_client.post(detail_url(branch_action), {"note": "Not mine."})

    assert response.status_code == 400
    assert response.context["close_form"].non_field_errors() == [
        "Only quality managers close improvement actions."
    ]
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (S.OPEN, "")


def test_a_customer_may_not_open_the_pages_or_the_api(
    branch_action, client, api_client, customer_user
):
    client.force_login(customer_user)
    api_client.force_authenticate(customer_user)
    for url in (reverse("feedback:improvement-action-list"), detail_url(branch_action)):
        assert client.get(url).status_code == 403
    assert client.post(detail_url(branch_action), {"note": "x"}).status_code == 403
    assert api_client.get("/api/v1/improvement-actions/").status_code == 403
    closing = api_client.post(api_url(branch_action, "close"), {"note": "x"})
    assert closing.status_code == 403
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (S.OPEN, "")


# --- Closing with a note: the API -------------------------------------------------------


@pytest.fixture
def quality_api(api_client, quality_manager):
    api_client.force_authenticate(quality_manager)
    return api_client


def test_the_api_shows_a_kpi_action(branch_action, quality_api, branch_supervisor, org):
    response = quality_api.get(api_url(branch_action))

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in (
        "id", "subject", "notice", "kpi_key", "period_start", "period_end",
        "kpi_value", "kpi_ceiling", "unit", "owner", "due_on", "status", "close_note",
    )} == {
        "id": branch_action.pk, "subject": "Dissatisfaction rate 2026-03", "notice": None,
        "kpi_key": "dissatisfaction_rate", "period_start": "2026-03-01",
        "period_end": "2026-03-31", "kpi_value": 1.0, "kpi_ceiling": 0.00001,
        "unit": org["br"].pk, "owner": branch_supervisor.pk, "due_on": "2026-05-01",
        "status": "open", "close_note": "",
    }  # fmt: skip


def test_a_quality_manager_closes_through_the_api(branch_action, quality_api):
    empty = quality_api.post(
        api_url(branch_action, "close"), {"note": ""}, format="json"
    )
    blank = quality_api.post(
        api_url(branch_action, "close"), {"note": "  "}, format="json"
    )
    missing = quality_api.post(api_url(branch_action, "close"), {}, format="json")
    assert (empty.status_code, blank.status_code, missing.status_code) == (
        400,
        400,
        400,
    )
    assert set(empty.json()) == set(blank.json()) == set(missing.json()) == {"note"}
    branch_action.refresh_from_db()
    assert branch_action.status == S.OPEN

    closed = quality_api.post(
        api_url(branch_action, "close"), {"note": "Outside the unit."}, format="json"
    )

    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["close_note"]) == (
        "closed",
        "Outside the unit.",
    )
    again = quality_api.post(
        api_url(branch_action, "close"), {"note": "Once more."}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "Only an open or done action can be closed."
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (
        S.CLOSED,
        "Outside the unit.",
    )


def test_an_agent_may_not_close_through_the_api(branch_action, agent_api):
    response = agent_api.post(
        api_url(branch_action, "close"), {"note": "Not mine."}, format="json"
    )

    assert response.status_code == 403
    branch_action.refresh_from_db()
    assert (branch_action.status, branch_action.close_note) == (S.OPEN, "")
    assert branch_action.verified_by is None


def test_the_owner_reports_done_then_quality_closes(
    branch_action, api_client, branch_supervisor, quality_manager
):
    api_client.force_authenticate(branch_supervisor)
    done = api_client.post(api_url(branch_action, "done"))
    assert (done.status_code, done.json()["status"]) == (200, "done")
    # the owner is not a quality manager
    refused = api_client.post(
        api_url(branch_action, "close"), {"note": "Done anyway."}, format="json"
    )
    assert refused.status_code == 403

    api_client.force_authenticate(quality_manager)
    closed = api_client.post(
        api_url(branch_action, "close"), {"note": "Checked on site."}, format="json"
    )

    assert (closed.status_code, closed.json()["status"]) == (200, "closed")


def test_a_non_numeric_or_unknown_id_is_404(branch_action, quality_api):
    assert quality_api.get(api_url("abc")).status_code == 404
    assert quality_api.post(api_url("abc", "close"), {"note": "x"}).status_code == 404
    unknown = ImprovementAction.objects.order_by("pk").last().pk + 1000
    assert quality_api.get(api_url(str(unknown))).status_code == 404
    assert quality_api.post(
        api_url(str(unknown), "close"), {"note": "x"}, format="json"
    ).status_code == (404)


# --- The list: filters on the page and the API -----------------------------------------


@pytest.fixture
def mixed(march_breach, branch_supervisor, org, agent_user, zhang, visitor):
    """March's KPI actions (the dissatisfaction rate, for the branch and the company) and
    a quality notice's action: design answers March's notice for the washer WM-100 (one
    case, opened on 20 March)."""
    designer = UserFactory(
        username="designer", roles=["technician"], units=[org["design"]]
    )
    with travel(at(2026, 1, 5)):
        washer = product_model(
            actor=agent_user, code="WM-100", category="washing_machine"
        )
        owned = product(
            actor=agent_user, owner=zhang, model=washer, serial="W1",
            sale_date=date(2025, 6, 1),
        )  # fmt: skip
    with travel(at(2026, 3, 20)):
        open_ticket(actor=agent_user, customer=zhang, product=owned, fault_code="E1")
    with travel(at(2026, 4, 1, 4)):
        voice_services.quality_notice_generate(now=at(2026, 4, 1, 4))
    notice = QualityNotice.objects.get(product_model=washer)
    with travel(at(2026, 4, 3)):
        notice_action = voice_services.improvement_action_create(
            notice=notice,
            unit=org["design"],
            actor=designer,
            description="Stronger drum bearing.",
            due_on=date(2026, 5, 31),
        )
    sweep(SWEEP_APRIL)
    return {
        "notice": notice_action,
        "branch": ImprovementAction.objects.get(unit=org["br"]),
        "company": ImprovementAction.objects.get(unit=org["co"]),
    }


def listed(response) -> list[int]:
    return [action.pk for action in response.context["page"]]


def test_the_list_page_filters_by_what_an_action_answers_and_by_kpi(
    mixed, client, quality_manager
):
    client.force_login(quality_manager)
    url = reverse("feedback:improvement-action-list")
    kpi = {mixed["company"].pk, mixed["branch"].pk}

    everything = client.get(url)
    by_kpi = client.get(url, {"source": "kpi"})
    by_notice = client.get(url, {"source": "notice"})
    by_key = client.get(url, {"kpi_key": "dissatisfaction_rate"})
    other_key = client.get(url, {"kpi_key": "csat"})
    open_kpi = client.get(url, {"source": "kpi", "status": "open"})

    assert {r.status_code for r in (everything, by_kpi, by_notice, by_key)} == {200}
    assert set(listed(everything)) == kpi | {mixed["notice"].pk}
    assert set(listed(by_kpi)) == kpi
    assert listed(by_notice) == [mixed["notice"].pk]
    assert set(listed(by_key)) == kpi
    assert listed(other_key) == []
    assert set(listed(open_kpi)) == kpi
    shown = by_kpi.content.decode()
    assert "Dissatisfaction rate 2026-03" in shown
    assert "2026-03 WM-100" not in shown
    assert "2026-03 WM-100" in by_notice.content.decode()
    assert "No improvement actions here." in other_key.content.decode()


def test_the_api_list_filters_by_what_an_action_answers_and_by_kpi(
    mixed, agent_api, org
):
    url = "/api/v1/improvement-actions/"

    def ids(params):
        response = agent_api.get(url, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    kpi = {mixed["company"].pk, mixed["branch"].pk}
    assert ids({}) == kpi | {mixed["notice"].pk}
    assert ids({"source": "kpi"}) == kpi
    assert ids({"source": "notice"}) == {mixed["notice"].pk}
    assert ids({"kpi_key": "dissatisfaction_rate"}) == kpi
    assert ids({"kpi_key": "dissatisfaction_rate", "unit": org["br"].pk}) == {
        mixed["branch"].pk
    }
    assert ids({"kpi_key": "csat"}) == set()
    assert ids({"notice": mixed["notice"].notice_id}) == {mixed["notice"].pk}
    assert agent_api.get(url, {"source": "anything"}).status_code == 400


def test_a_quality_notices_action_is_not_closed_with_a_note(
    mixed, quality_api, client, quality_manager
):
    # its fault rate is re-measured instead (scenario A23)
    action = mixed["notice"]
    client.force_login(quality_manager)
    page = client.get(detail_url(action))
    assert page.status_code == 200
    assert 'data-testid="close-action"' not in page.content.decode()

    response = quality_api.post(
        api_url(action, "close"), {"note": "Not needed."}, format="json"
    )

    assert response.status_code == 409
    action.refresh_from_db()
    assert (action.status, action.close_note, action.verified_at) == (S.OPEN, "", None)


def test_the_list_reads_a_fixed_number_of_queries(
    mixed, client, api_client, quality_manager, django_assert_num_queries
):
    # three actions (two KPI, one notice). The page: the session, the user, their roles,
    # the unread-notifications badge, the count and one page of rows with their unit,
    # owner and notice (model) joined. The API: the user's roles, the count and the rows.
    client.force_login(quality_manager)
    with django_assert_num_queries(6):
        assert (
            client.get(reverse("feedback:improvement-action-list")).status_code == 200
        )
    api_client.force_authenticate(User.objects.get(pk=quality_manager.pk))  # as loaded
    with django_assert_num_queries(3):
        assert api_client.get("/api/v1/improvement-actions/").status_code == 200


# --- The job: task, beat entry, management command, job run ---------------------------


def test_the_command_runs_the_sweep_and_prints_the_count(
    march_breach, branch_supervisor
):
    out = io.StringIO()

    with travel(at(2026, 4, 2, 9)):
        call_command("kpi_breaches", stdout=out)
        call_command("kpi_breaches", stdout=out)

    assert out.getvalue() == (
        "kpi_breach_sweep: 2 action(s) opened or verified\n"
        "kpi_breach_sweep: 0 action(s) opened or verified\n"
    )
    assert len(kpi_actions(period_start=MARCH)) == 2


def test_each_run_is_recorded_as_a_job_run(march_breach, branch_supervisor):
    sweep(SWEEP_APRIL)
    with travel(at(2026, 4, 2, 5)):
        assert kpi_breach_sweep_task.delay().get() == 0

    runs = JobRun.objects.filter(name="kpi_breaches").order_by("pk")
    assert [(r.status, r.items, r.detail, r.errors) for r in runs] == [
        ("succeeded", 2, "2026-03", 0),
        ("succeeded", 0, "2026-03", 0),
    ]
    assert runs[0].started_at == SWEEP_APRIL
    assert runs[0].finished_at == SWEEP_APRIL


def test_the_beat_runs_the_task_daily_at_five():
    entry = settings.CELERY_BEAT_SCHEDULE["kpi-breaches"]
    assert entry["task"] == "dashboards.tasks.kpi_breach_sweep_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({5}, {0})
