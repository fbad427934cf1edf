"""The GB/T 27922 self-assessment pages (`/dashboard/assessment/` and
`/dashboard/assessment/<pk>/`; dashboards/assessment_views.py) through the test client: a
quality manager adds an item, starts a year, scores and completes it by POST and sees the
score and band; bad input answers 400 with the error on the form (never 500); supervisors
may look but not write (403), agents and customers may not look (403); the Chinese page
shows the Chinese indicator names; the live KPIs of the year stand beside the indicators
that name them."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from dashboards import kpis
from standards import selectors as standard_selectors
from standards.models import (
    Assessment,
    AssessmentIndicator,
    AssessmentScore,
    CorrectiveAction,
)
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import open_ticket, service_standard

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOME = reverse("dashboard-assessment")


@pytest.fixture
def clock():
    """Today is 1 June 2026 (Shanghai)."""
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def framework(db):
    framework = standard_selectors.assessment_framework()
    assert framework is not None, "the GB/T 27922 seed migration did not run"
    return framework


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="qm", first_name="Qian", last_name="Mei", roles=["quality_manager"],
        units=[unit_tree["co"]],
    )  # fmt: skip


def signed_in(client, user):
    client.force_login(user)
    return client


def text_of(response) -> str:
    return unescape(response.content.decode())


def indicator(framework, code: str) -> AssessmentIndicator:
    return framework.indicators.get(code=code)


def post_item(client, framework, parent: str, code: str, points: str, name: str = ""):
    return client.post(
        HOME,
        {
            "item-parent": indicator(framework, parent).pk,
            "item-code": code,
            "item-name": name or f"Item {code}",
            "item-max_points": points,
        },
    )


def post_start(client, year):
    return client.post(HOME, {"start-year": year})


def score_form(assessment: Assessment, points: dict[str, str | None], **extra) -> dict:
    """The detail page's form: {item code: points (None: not applicable)}."""
    data = {"special_deductions": "0", "deduction_notes": "", "bonus_note": ""}
    for row in assessment.scores.select_related("indicator"):
        value = points.get(row.indicator.code, "")
        if value is not None:
            data[f"applicable_{row.pk}"] = "on"
            data[f"points_{row.pk}"] = value
            data[f"evidence_{row.pk}"] = f"Evidence for {row.indicator.code}"
    data.update(extra)
    return data


@pytest.fixture
def prepared(clock, client, framework, quality_manager):
    """Two items added through the page: 3.2.1 (40 points) and 1.1.1 (10 points)."""
    signed_in(client, quality_manager)
    for parent, code, points in (("3.2", "3.2.1", "40"), ("1.1", "1.1.1", "10")):
        assert post_item(client, framework, parent, code, points).status_code == 302
    return client


def started(client, year: int = 2026) -> Assessment:
    response = post_start(client, year)
    assessment = Assessment.objects.get(year=year)
    assert response.status_code == 302
    assert response.url == assessment.get_absolute_url()
    return assessment


# --- The quality manager's path ---------------------------------------------------------------


def test_a_quality_manager_adds_an_item_starts_scores_and_completes_a_year(
    clock, client, framework, quality_manager
):
    signed_in(client, quality_manager)
    # when they add two items
    response = post_item(
        client, framework, "3.2", "3.2.1", "40", name="Complaints closed"
    )
    assert response.status_code == 302
    assert response.url == HOME
    assert post_item(client, framework, "1.1", "1.1.1", "10").status_code == 302
    home = client.get(HOME)
    assert home.status_code == 200
    assert "3.2.1 Complaints closed" in text_of(home)
    item = indicator(framework, "3.2.1")
    assert (item.level, item.max_points, item.parent.code) == (
        3,
        Decimal("40.0"),
        "3.2",
    )

    # and start 2026
    assessment = started(client)
    detail = client.get(assessment.get_absolute_url())
    assert detail.status_code == 200
    assert 'data-testid="score-form"' in text_of(detail)

    # and score it (31 of 40, 10 of 10, a deduction, the bonus) and complete it
    data = score_form(
        assessment, {"3.2.1": "31", "1.1.1": "10"}, special_deductions="1",
        deduction_notes="A late report.", bonus="on", bonus_note="Provincial award.",
        complete="",
    )  # fmt: skip
    response = client.post(assessment.get_absolute_url(), data)

    # then (31 + 10) ÷ 50 × 100 = 82 − 1 + 1 → 82.00: three stars
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score, assessment.band) == (
        Assessment.Status.COMPLETED, Decimal("82.00"), "three_stars",
    )  # fmt: skip
    page = text_of(client.get(assessment.get_absolute_url()))
    score_card = page.split('data-testid="assessment-score"')[1].split(
        "</div></div></div>"
    )[0]
    assert "82.00" in score_card
    assert re.search(r'data-testid="band">three stars<', page)
    # the completed year is read-only: no score form fields, the points shown
    assert f'name="points_{assessment.scores.first().pk}"' not in page
    assert "Complete the assessment" not in page
    # one corrective action, for the 9 points lost on 3.2.1
    assert [
        (a.indicator.code, a.points_lost) for a in assessment.corrective_actions.all()
    ] == [("3.2.1", Decimal("9.0"))]
    actions = page.split('data-testid="corrective-actions"')[1]
    assert "3.2.1 Complaints closed" in actions
    assert "9.0" in actions
    # and the home page lists the year with its score and band
    home = text_of(client.get(HOME))
    assessments = home.split('data-testid="assessments"')[1].split("</table>")[0]
    assert "2026" in assessments
    assert "82.00" in assessments
    assert "three stars" in assessments


def test_saving_without_completing_keeps_the_draft(prepared, framework):
    assessment = started(prepared)

    response = prepared.post(
        assessment.get_absolute_url(),
        score_form(assessment, {"3.2.1": "20", "1.1.1": None}, save=""),
    )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    rows = {r.indicator.code: r for r in assessment.scores.select_related("indicator")}
    assert (rows["3.2.1"].applicable, rows["3.2.1"].points) == (True, Decimal("20.0"))
    assert rows["3.2.1"].evidence == "Evidence for 3.2.1"
    assert (rows["1.1.1"].applicable, rows["1.1.1"].points) == (False, None)


def test_a_zero_scored_item_reads_zero_on_the_completed_page(prepared, framework):
    assessment = started(prepared)
    data = score_form(assessment, {"3.2.1": "0", "1.1.1": "10"}, complete="")

    assert prepared.post(assessment.get_absolute_url(), data).status_code == 302

    page = text_of(prepared.get(assessment.get_absolute_url()))
    row = page.split('data-testid="item-3.2.1"')[1].split("</tr>")[0]
    # 10 ÷ 50 → 20.00, below every band; the item's 0 points read 0.0, not "—"
    assert "<td>0.0</td>" in row
    assert "20.00" in page.split('data-testid="assessment-score"')[1].split("</div>")[1]


# --- Bad input: 400 with the error, never 500 ---------------------------------------------------


def test_a_duplicate_code_shows_a_form_error(prepared, framework):
    before = AssessmentIndicator.objects.count()

    response = post_item(prepared, framework, "3.1", "3.2.1", "5")

    assert response.status_code == 400
    assert "This code is already used." in text_of(response)
    assert AssessmentIndicator.objects.count() == before


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 0.1."),
        ("abc", "Enter a number."),
    ],
)
def test_bad_item_points_show_a_form_error(prepared, framework, points, message):
    response = post_item(prepared, framework, "3.1", "3.1.1", points)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not framework.indicators.filter(code="3.1.1").exists()


def test_an_item_under_a_first_level_indicator_is_not_offered(prepared, framework):
    response = post_item(prepared, framework, "3", "3.9", "5")

    assert response.status_code == 400
    assert "Select a valid choice" in text_of(response)
    assert not framework.indicators.filter(code="3.9").exists()


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2099", "Choose a year up to next year."),  # the service's rule
        ("1980", "Ensure this value is greater than or equal to 1990."),  # the form's
        ("next", "Enter a whole number."),
    ],
)
def test_a_bad_year_shows_a_form_error(prepared, year, message):
    response = post_start(prepared, year)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not Assessment.objects.exists()


def test_a_year_assessed_already_shows_a_form_error(prepared):
    started(prepared)

    response = post_start(prepared, 2026)

    assert response.status_code == 400
    assert "There is already an assessment of this year." in text_of(response)
    assert Assessment.objects.count() == 1


def test_points_over_the_maximum_show_an_error_on_the_item(prepared, framework):
    assessment = started(prepared)
    row = assessment.scores.get(indicator__code="1.1.1")

    response = prepared.post(
        assessment.get_absolute_url(),
        score_form(assessment, {"3.2.1": "40", "1.1.1": "12"}, complete=""),
    )

    assert response.status_code == 400
    item = text_of(response).split('data-testid="item-1.1.1"')[1].split("</tr>")[0]
    assert "Between 0 and 10.0 points." in item
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    assert AssessmentScore.objects.get(pk=row.pk).points is None


def test_completing_with_an_item_unscored_shows_the_error(prepared):
    assessment = started(prepared)

    response = prepared.post(
        assessment.get_absolute_url(),
        score_form(assessment, {"3.2.1": "40", "1.1.1": ""}, complete=""),
    )

    assert response.status_code == 400
    assert "Score every applicable item: 1.1.1." in text_of(response)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (Assessment.Status.DRAFT, None)
    assert not CorrectiveAction.objects.exists()


def test_a_completed_year_refuses_new_scores(prepared):
    assessment = started(prepared)
    url = assessment.get_absolute_url()
    data = score_form(assessment, {"3.2.1": "40", "1.1.1": "10"}, complete="")
    assert prepared.post(url, data).status_code == 302

    response = prepared.post(
        url, {**data, f"points_{assessment.scores.first().pk}": "1"}
    )

    assert response.status_code == 400
    assert "A completed assessment is read-only." in text_of(response)
    assert sorted(assessment.scores.values_list("points", flat=True)) == [
        Decimal("10.0"), Decimal("40.0"),
    ]  # fmt: skip


def test_an_unknown_assessment_is_not_found(clock, client, framework, quality_manager):
    response = signed_in(client, quality_manager).get(
        reverse("dashboard-assessment-detail", args=[999999])
    )

    assert response.status_code == 404


# --- Who may look, who may write -----------------------------------------------------------------


@pytest.fixture
def completed(prepared) -> Assessment:
    assessment = started(prepared)
    data = score_form(assessment, {"3.2.1": "30", "1.1.1": "10"}, complete="")
    assert prepared.post(assessment.get_absolute_url(), data).status_code == 302
    prepared.logout()
    return assessment


def test_a_supervisor_views_but_may_not_post(
    client, framework, completed, supervisor_user
):
    signed_in(client, supervisor_user)
    home, detail = client.get(HOME), client.get(completed.get_absolute_url())
    assert (home.status_code, detail.status_code) == (200, 200)
    assert 'data-testid="add-item"' not in text_of(home)
    assert 'data-testid="start-assessment"' not in text_of(home)
    action = completed.corrective_actions.get()

    item = post_item(client, framework, "3.1", "3.1.1", "5")
    start = post_start(client, 2025)
    score = client.post(completed.get_absolute_url(), score_form(completed, {}))
    fix = client.post(
        reverse("dashboard-corrective-action", args=[action.pk]),
        {"description": "Hire.", "done": ""},
    )

    assert [r.status_code for r in (item, start, score, fix)] == [403, 403, 403, 403]
    assert not framework.indicators.filter(code="3.1.1").exists()
    assert Assessment.objects.count() == 1
    action.refresh_from_db()
    assert (action.description, action.status) == ("", CorrectiveAction.Status.OPEN)


def test_a_supervisor_may_not_post_on_a_draft_either(prepared, supervisor_user):
    assessment = started(prepared)
    signed_in(prepared, supervisor_user)

    response = prepared.post(
        assessment.get_absolute_url(),
        score_form(assessment, {"3.2.1": "40", "1.1.1": "10"}, complete=""),
    )

    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    assert not assessment.scores.filter(points__isnull=False).exists()


@pytest.mark.parametrize("who", ["agent_user", "technician_user", "customer_user"])
def test_agents_technicians_and_customers_get_403(request, client, completed, who):
    signed_in(client, request.getfixturevalue(who))

    assert client.get(HOME).status_code == 403
    assert client.get(completed.get_absolute_url()).status_code == 403
    assert client.post(HOME, {"start-year": "2025"}).status_code == 403
    assert Assessment.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login(client, framework):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_quality_manager_describes_and_closes_a_corrective_action(
    client, completed, quality_manager
):
    action = completed.corrective_actions.get()
    signed_in(client, quality_manager)

    response = client.post(
        reverse("dashboard-corrective-action", args=[action.pk]),
        {"description": "Answer within a day.", "done": ""},
    )

    assert response.status_code == 302
    assert response.url == completed.get_absolute_url()
    action.refresh_from_db()
    assert (action.description, action.status) == (
        "Answer within a day.", CorrectiveAction.Status.DONE,
    )  # fmt: skip


# --- Chinese, live KPIs ---------------------------------------------------------------------


def test_the_chinese_page_shows_the_chinese_indicator_names(
    client, framework, supervisor_user
):
    signed_in(client, supervisor_user)

    response = client.get("/zh-hans/dashboard/assessment/")

    assert response.status_code == 200
    page = text_of(response)
    tree = page.split('data-testid="assessment-tree"')[1].split("</table>")[0]
    for name in (
        "服务体系",
        "商品服务",
        "顾客服务",
        "投诉处理",
        "维修服务",
        "顾客关系",
    ):
        assert name in tree
    assert "Complaint handling" not in tree
    # and the English page the English ones
    english = text_of(client.get(HOME)).split('data-testid="assessment-tree"')[1]
    assert "3.2 Complaint handling" in english
    assert "投诉处理" not in english


def test_the_chinese_detail_page_shows_the_chinese_names(
    completed, client, supervisor_user
):
    signed_in(client, supervisor_user)

    response = client.get(f"/zh-hans/dashboard/assessment/{completed.pk}/")

    assert response.status_code == 200
    assert "3.2 投诉处理" in text_of(response)


def live_kpis_of(page: str, heading: str) -> str:
    """The live-KPI line under the second-level heading `heading` ('' when none)."""
    section = page.split(f'<h3 class="h6 mt-2">{heading}</h3>')[1].split("<table")[0]
    found = re.search(
        r'<div class="small mb-2" data-testid="live-kpis">(.*?)</div>', section
    )
    return found.group(1) if found else ""


def test_live_kpis_of_the_year_stand_beside_the_indicators_that_name_them(
    prepared, framework, quality_manager, manager_user, unit_tree, agent_user
):
    # given the company standard and, in 2026, one product in service and a complaint
    # about it (complaint rate 1 ÷ 1 = 100 %, over the ceiling)
    service_standard(
        author=quality_manager, approver=manager_user, owner_unit=unit_tree["co"]
    )
    zhang = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    model = product_model(actor=agent_user, code="W-1", category="washing_machine")
    owned = product(
        actor=agent_user, owner=zhang, model=model, serial="S1",
        sale_date=date(2026, 5, 1), delivery_date=date(2026, 5, 2),
    )  # fmt: skip
    open_ticket(actor=agent_user, customer=zhang, type="complaint", product=owned)
    assessment = started(prepared)

    page = text_of(prepared.get(assessment.get_absolute_url()))

    # 3.2 complaint handling names five KPIs: each shown with the year's value
    complaints = live_kpis_of(page, "3.2 Complaint handling")
    labels = [str(kpis.BY_KEY[key].label) for key in indicator(framework, "3.2").kpis]
    assert labels
    for label in labels:
        assert label in complaints
    assert 'text-bg-danger">Complaint rate 100.00 %</span>' in complaints
    # 3.1 names the voice KPIs; 1.1 (organisation) names none: no live line
    assert str(kpis.BY_KEY["satisfaction_rate"].label) in live_kpis_of(
        page, "3.1 Customer relationship"
    )
    assert live_kpis_of(page, "1.1 Organisation") == ""
    assert page.count('data-testid="live-kpis"') == sum(
        1 for i in framework.indicators.filter(level=2) if i.kpis
    )
