"""The GB/T 27922 self-assessment (domain §4): the pure arithmetic of standards/assessment.py
(score and band, worked out by hand), the seeded framework (standards/migrations/
0006_seed_gbt27922.py), and the services at the end of standards/services.py through a real
database: who may add items, start, record and complete; one assessment a year; points
between 0 and the item's maximum; completing needs every applicable item scored, stores
the score and band (thresholds read from the framework's stored bands) and opens one
corrective action per item that lost points; a completed assessment is read-only."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.exceptions import DomainError
from dashboards import kpis
from standards import selectors, services
from standards.assessment import band, score
from standards.models import (
    Assessment,
    AssessmentIndicator,
    AssessmentScore,
    CorrectiveAction,
)
from tests.aftersales.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEDED_BANDS = [
    {"min": 70, "band": "compliant"},
    {"min": 80, "band": "three_stars"},
    {"min": 90, "band": "four_stars"},
    {"min": 95, "band": "five_stars"},
]
D = Decimal


# --- The arithmetic (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obtained", "applicable", "deductions", "bonus", "expected"),
    [
        # 45 of 60 applicable points → 75.00
        ("45", "60", 0, False, D("75.00")),
        # the same less two special deductions, plus the bonus: 75 − 2 + 1 → 74.00
        ("45", "60", 2, True, D("74.00")),
        # full marks and the bonus → 101.00 (the bonus is not capped at 100)
        ("60", "60", 0, True, D("101.00")),
        # 2 of 3 → 66.666… → 66.67 (to the hundredth)
        ("2", "3", 0, False, D("66.67")),
        # 1 of 20 000 → 0.005 → 0.01 (half up)
        ("1", "20000", 0, False, D("0.01")),
        # halves of points: 17.5 of 25 → 70.00
        ("17.5", "25", 0, False, D("70.00")),
        # nothing obtained and a deduction → −1.00
        ("0", "10", 1, False, D("-1.00")),
    ],
)
def test_score_is_obtained_over_applicable_times_100_less_deductions_plus_bonus(
    obtained, applicable, deductions, bonus, expected
):
    value = score(
        obtained=D(obtained),
        applicable=D(applicable),
        deductions=deductions,
        bonus=bonus,
    )

    assert value == expected
    assert value.as_tuple().exponent == -2


def test_score_is_none_when_nothing_is_applicable():
    assert score(obtained=D(0), applicable=D(0), deductions=0, bonus=True) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (D("0"), ""),
        (D("69.99"), ""),
        (D("70"), "compliant"),
        (D("79.99"), "compliant"),
        (D("80.00"), "three_stars"),
        (D("89.99"), "three_stars"),
        (D("90"), "four_stars"),
        (D("94.99"), "four_stars"),
        (D("95.00"), "five_stars"),
        (D("101.00"), "five_stars"),
    ],
)
def test_band_is_the_highest_whose_minimum_is_reached(value, expected):
    assert band(value, SEEDED_BANDS) == expected
    # the order the bands are stored in does not matter
    assert band(value, list(reversed(SEEDED_BANDS))) == expected


def test_band_reads_the_thresholds_it_is_given():
    stricter = [{"min": 85, "band": "compliant"}, {"min": 97.5, "band": "five_stars"}]

    assert band(D("84.99"), stricter) == ""
    assert band(D("85"), stricter) == "compliant"
    assert band(D("97.49"), stricter) == "compliant"
    assert band(D("97.50"), stricter) == "five_stars"
    assert band(D("99"), []) == ""


# --- The seeded framework ---------------------------------------------------------------------


@pytest.fixture
def framework(db):
    """The GB/T 27922 framework seeded by the data migration (seeded here with the same
    function when the run skipped migrations)."""
    found = selectors.assessment_framework()
    if found is None:
        seed = importlib.import_module("standards.migrations.0006_seed_gbt27922").seed
        seed(apps, None)
        found = selectors.assessment_framework()
    return found


def test_the_seeded_framework_has_3_first_level_and_15_second_level_indicators(
    framework,
):
    assert framework.code == "GB/T 27922"
    assert framework.bands == SEEDED_BANDS
    first = list(framework.indicators.filter(level=1).order_by("position"))
    second = list(framework.indicators.filter(level=2).order_by("position"))
    assert [(i.code, i.name, i.name_zh) for i in first] == [
        ("1", "Service system", "服务体系"),
        ("2", "Product service", "商品服务"),
        ("3", "Customer service", "顾客服务"),
    ]
    assert len(second) == 15
    assert [i.code for i in second] == [
        "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7",
        "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
        "3.1", "3.2",
    ]  # fmt: skip
    by_parent = {
        top.code: [i.code for i in second if i.parent_id == top.pk] for top in first
    }
    assert [len(codes) for codes in by_parent.values()] == [7, 6, 2]
    complaints = framework.indicators.get(code="3.2")
    assert (complaints.name, complaints.name_zh) == ("Complaint handling", "投诉处理")
    assert complaints.kpis == [
        "complaint_rate", "omission_rate", "dissatisfaction_rate", "on_time_rate.resolve",
        "feedback_on_time_rate",
    ]  # fmt: skip
    # no third-level item is shipped, and every KPI named is one the dashboard measures
    assert not framework.indicators.filter(level=3).exists()
    named = {key for indicator in second for key in indicator.kpis}
    assert named
    assert named <= set(kpis.BY_KEY)
    assert all(i.max_points is None for i in [*first, *second])


def test_the_tree_nests_the_items_under_their_indicators(framework, quality_manager):
    services.assessment_item_add(
        parent=framework.indicators.get(code="3.2"), actor=quality_manager,
        code="3.2.1", name="Complaints answered within a day", max_points=D("10"),
    )  # fmt: skip

    tree = selectors.assessment_tree(framework=framework)

    assert [top["indicator"].code for top in tree] == ["1", "2", "3"]
    assert [len(top["children"]) for top in tree] == [7, 6, 2]
    handling = tree[2]["children"][1]
    assert handling["indicator"].code == "3.2"
    assert [item.code for item in handling["items"]] == ["3.2.1"]


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def clock():
    """Today is 1 June 2026 (Shanghai)."""
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        yield


def add(framework, actor, parent_code: str, code: str, points: str, name: str = ""):
    return services.assessment_item_add(
        parent=framework.indicators.get(code=parent_code),
        actor=actor,
        code=code,
        name=name or f"Item {code}",
        max_points=D(points),
    )


@pytest.fixture
def items(framework, quality_manager):
    """Four items worth 10 + 20 + 30 + 40 = 100 points."""
    return {
        code: add(framework, quality_manager, parent, code, points)
        for parent, code, points in (
            ("1.1", "1.1.1", "10"),
            ("2.4", "2.4.1", "20"),
            ("3.1", "3.1.1", "30"),
            ("3.2", "3.2.1", "40"),
        )
    }


@pytest.fixture
def draft(clock, framework, items, quality_manager) -> Assessment:
    return services.assessment_start(
        framework=framework, year=2026, actor=quality_manager
    )


def score_ids(assessment: Assessment) -> dict[str, int]:
    """{item code: score id} of the assessment."""
    return {
        row.indicator.code: row.pk
        for row in assessment.scores.select_related("indicator")
    }


def answers(assessment: Assessment, **by_code) -> dict[int, dict]:
    """{score id: answer} from `code_with_underscores=points` (None: not applicable)."""
    ids = score_ids(assessment)
    result = {}
    for code, points in by_code.items():
        pk = ids[code.replace("_", ".").lstrip("i")]
        result[pk] = (
            {"applicable": False, "points": None, "evidence": ""}
            if points is None
            else {"applicable": True, "points": D(points), "evidence": "Checked."}
        )
    return result


def record(assessment, actor, **kwargs) -> Assessment:
    scores = kwargs.pop("scores")
    return services.assessment_record(
        assessment=assessment, actor=actor, scores=scores, **kwargs
    )


# --- Items ------------------------------------------------------------------------------------


def test_a_quality_manager_adds_a_third_level_item_under_a_second_level_indicator(
    framework, quality_manager
):
    item = add(framework, quality_manager, "3.2", " 3.2.1 ", "12.5", name=" Hotline ")

    assert (item.code, item.name, item.level, item.max_points) == (
        "3.2.1", "Hotline", 3, D("12.5"),
    )  # fmt: skip
    assert item.parent == framework.indicators.get(code="3.2")
    # after every seeded indicator
    assert item.position > framework.indicators.get(code="3.2").position


@pytest.mark.parametrize(
    ("parent", "code", "name", "points", "field"),
    [
        ("3", "3.9", "Item", "10", "parent"),  # under a first-level indicator
        ("3.2", "3.2", "Item", "10", "code"),  # a seeded code
        ("3.2", "  ", "Item", "10", "code"),
        ("3.2", "3.2.1", " ", "10", "name"),
        ("3.2", "3.2.1", "Item", "0", "max_points"),
        ("3.2", "3.2.1", "Item", "-5", "max_points"),
    ],
)
def test_an_item_is_refused_with_a_field_error(
    framework, quality_manager, parent, code, name, points, field
):
    before = AssessmentIndicator.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.assessment_item_add(
            parent=framework.indicators.get(code=parent), actor=quality_manager,
            code=code, name=name, max_points=D(points),
        )  # fmt: skip

    assert field in caught.value.message_dict
    assert AssessmentIndicator.objects.count() == before


def test_an_item_code_is_used_once(framework, quality_manager):
    add(framework, quality_manager, "3.2", "3.2.1", "10")

    with pytest.raises(ValidationError) as caught:
        add(framework, quality_manager, "3.1", "3.2.1", "10")

    assert caught.value.message_dict == {"code": ["This code is already used."]}
    assert framework.indicators.filter(code="3.2.1").count() == 1


# --- Who may assess ---------------------------------------------------------------------------


@pytest.fixture(params=["agent", "supervisor", "technician", "followup_agent"])
def outsider(request, unit_tree):
    return UserFactory(
        username="outsider", roles=[request.param], units=[unit_tree["hot"]]
    )


def test_only_quality_reviewers_add_items(framework, outsider, manager_user):
    with pytest.raises(PermissionDenied):
        add(framework, outsider, "3.2", "3.2.1", "10")
    assert not framework.indicators.filter(level=3).exists()
    # managers review quality too (aftersales.permissions.can_review_quality)
    assert add(framework, manager_user, "3.2", "3.2.1", "10").level == 3


def test_only_quality_reviewers_start_record_and_complete(
    clock, framework, items, outsider, quality_manager
):
    with pytest.raises(PermissionDenied):
        services.assessment_start(framework=framework, year=2026, actor=outsider)
    assert not Assessment.objects.exists()
    assessment = services.assessment_start(
        framework=framework, year=2026, actor=quality_manager
    )
    full = answers(assessment, i1_1_1="10", i2_4_1="20", i3_1_1="30", i3_2_1="40")

    with pytest.raises(PermissionDenied):
        record(assessment, outsider, scores=full)
    assert not AssessmentScore.objects.filter(points__isnull=False).exists()
    record(assessment, quality_manager, scores=full)
    with pytest.raises(PermissionDenied):
        services.assessment_complete(assessment=assessment, actor=outsider)

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.score is None
    assert not CorrectiveAction.objects.exists()


# --- Starting a year --------------------------------------------------------------------------


def test_starting_a_year_makes_a_draft_with_every_item_to_score(
    draft, items, quality_manager
):
    assert (draft.year, draft.status, draft.created_by) == (
        2026, Assessment.Status.DRAFT, quality_manager,
    )  # fmt: skip
    rows = list(draft.scores.select_related("indicator").order_by("indicator__code"))
    assert [(r.indicator.code, r.applicable, r.points) for r in rows] == [
        ("1.1.1", True, None), ("2.4.1", True, None),
        ("3.1.1", True, None), ("3.2.1", True, None),
    ]  # fmt: skip


def test_one_assessment_a_year(draft, framework, quality_manager):
    with pytest.raises(ValidationError) as caught:
        services.assessment_start(framework=framework, year=2026, actor=quality_manager)

    assert caught.value.message_dict == {
        "year": ["There is already an assessment of this year."]
    }
    assert Assessment.objects.count() == 1
    assert AssessmentScore.objects.count() == 4
    # another year is another assessment
    assert services.assessment_start(
        framework=framework, year=2025, actor=quality_manager
    ).year == 2025  # fmt: skip


@pytest.mark.parametrize("year", [1989, 2028, 0, 3000])
def test_a_year_up_to_next_year_is_asked_for(
    clock, framework, items, quality_manager, year
):
    with pytest.raises(ValidationError) as caught:
        services.assessment_start(framework=framework, year=year, actor=quality_manager)

    assert list(caught.value.message_dict) == ["year"]
    assert not Assessment.objects.exists()


def test_next_year_may_be_started(clock, framework, items, quality_manager):
    assert services.assessment_start(
        framework=framework, year=2027, actor=quality_manager
    ).year == 2027  # fmt: skip


def test_a_year_needs_items_first(clock, framework, quality_manager):
    with pytest.raises(ValidationError) as caught:
        services.assessment_start(framework=framework, year=2026, actor=quality_manager)

    assert caught.value.message_dict == {
        "year": ["Add the third-level items and their points first."]
    }
    assert not Assessment.objects.exists()


# --- Recording --------------------------------------------------------------------------------


def test_recording_stores_points_evidence_deductions_and_bonus(draft, quality_manager):
    recorded = record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="7.5", i2_4_1=None),
        special_deductions=2, deduction_notes=" Two late reports. ",
        bonus=True, bonus_note=" Provincial award. ",
    )  # fmt: skip

    rows = {r.indicator.code: r for r in recorded.scores.select_related("indicator")}
    assert (rows["1.1.1"].applicable, rows["1.1.1"].points, rows["1.1.1"].evidence) == (
        True, D("7.5"), "Checked.",
    )  # fmt: skip
    assert (rows["2.4.1"].applicable, rows["2.4.1"].points) == (False, None)
    assert (rows["3.1.1"].applicable, rows["3.1.1"].points) == (True, None)
    assert (
        recorded.special_deductions, recorded.deduction_notes, recorded.bonus,
        recorded.bonus_note, recorded.status,
    ) == (2, "Two late reports.", True, "Provincial award.", Assessment.Status.DRAFT)  # fmt: skip


@pytest.mark.parametrize("points", ["-0.5", "10.5", "100"])
def test_points_outside_0_to_the_maximum_are_refused_with_a_field_error(
    draft, quality_manager, points
):
    ids = score_ids(draft)
    record(draft, quality_manager, scores=answers(draft, i2_4_1="15"))

    with pytest.raises(ValidationError) as caught:
        record(
            draft, quality_manager,
            scores=answers(draft, i1_1_1=points, i2_4_1="20"),
        )  # fmt: skip

    assert caught.value.message_dict == {
        f"points_{ids['1.1.1']}": ["Between 0 and 10.0 points."]
    }
    # nothing of the refused call was stored
    stored = {
        r.indicator.code: r.points for r in draft.scores.select_related("indicator")
    }
    assert stored["1.1.1"] is None
    assert stored["2.4.1"] == D("15")


def test_zero_and_full_marks_are_within_the_range(draft, quality_manager):
    record(draft, quality_manager, scores=answers(draft, i1_1_1="0", i2_4_1="20"))

    stored = {
        r.indicator.code: r.points for r in draft.scores.select_related("indicator")
    }
    assert (stored["1.1.1"], stored["2.4.1"]) == (D("0"), D("20"))


def test_deductions_and_the_bonus_need_a_reason(draft, quality_manager):
    with pytest.raises(ValidationError) as caught:
        record(
            draft, quality_manager, scores={}, special_deductions=1, bonus=True,
        )  # fmt: skip

    assert set(caught.value.message_dict) == {"deduction_notes", "bonus_note"}
    draft.refresh_from_db()
    assert (draft.special_deductions, draft.bonus) == (0, False)


def test_a_score_of_another_assessment_is_not_written(
    draft, framework, quality_manager
):
    other = services.assessment_start(
        framework=framework, year=2025, actor=quality_manager
    )
    foreign = answers(other, i1_1_1="5")

    record(draft, quality_manager, scores=foreign)

    assert not AssessmentScore.objects.filter(points__isnull=False).exists()


# --- Completing -------------------------------------------------------------------------------


def test_completing_needs_every_applicable_item_scored(draft, quality_manager):
    record(draft, quality_manager, scores=answers(draft, i1_1_1="10", i2_4_1=None))

    with pytest.raises(ValidationError) as caught:
        services.assessment_complete(assessment=draft, actor=quality_manager)

    assert caught.value.message_dict == {
        "__all__": ["Score every applicable item: 3.1.1, 3.2.1."]
    }
    draft.refresh_from_db()
    assert (draft.status, draft.score, draft.band) == (
        Assessment.Status.DRAFT,
        None,
        "",
    )
    assert not CorrectiveAction.objects.exists()


def test_completing_needs_an_applicable_item(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1=None, i2_4_1=None, i3_1_1=None, i3_2_1=None),
    )  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        services.assessment_complete(assessment=draft, actor=quality_manager)

    # no applicable points: no score (and no "below compliant" band) to store
    assert caught.value.message_dict == {
        "__all__": ["Mark at least one item applicable."]
    }
    draft.refresh_from_db()
    assert (draft.status, draft.score, draft.band) == (
        Assessment.Status.DRAFT,
        None,
        "",
    )


def test_completing_stores_the_score_and_band_and_opens_corrective_actions(
    draft, quality_manager, items
):
    # given 10/10, 2.4.1 not applicable (its 20 points leave the maximum: 80 applicable),
    # 24/30 and 31.5/40; one special deduction and the bonus
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="10", i2_4_1=None, i3_1_1="24", i3_2_1="31.5"),
        special_deductions=1, deduction_notes="A late report.",
        bonus=True, bonus_note="Provincial award.",
    )  # fmt: skip

    completed = services.assessment_complete(assessment=draft, actor=quality_manager)

    # (10 + 24 + 31.5) ÷ (10 + 30 + 40) × 100 = 65.5 ÷ 80 × 100 = 81.875 → 81.88;
    # − 1 + 1 → 81.88: three stars (≥ 80, < 90)
    assert completed.status == Assessment.Status.COMPLETED
    assert completed.score == D("81.88")
    assert completed.band == "three_stars"
    assert completed.completed_at == datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
    # one corrective action per item that lost points (points lost = max − points);
    # none for full marks or the item not applicable; due in 90 days
    actions = list(completed.corrective_actions.order_by("indicator__code"))
    assert [(a.indicator.code, a.points_lost, a.status) for a in actions] == [
        ("3.1.1", D("6.0"), CorrectiveAction.Status.OPEN),
        ("3.2.1", D("8.5"), CorrectiveAction.Status.OPEN),
    ]
    assert {(a.owner, a.due_on) for a in actions} == {
        (quality_manager, date(2026, 8, 30))
    }


def test_full_marks_open_no_corrective_action(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="10", i2_4_1="20", i3_1_1="30", i3_2_1="40"),
    )  # fmt: skip

    completed = services.assessment_complete(assessment=draft, actor=quality_manager)

    assert (completed.score, completed.band) == (D("100.00"), "five_stars")
    assert not CorrectiveAction.objects.exists()


def test_a_zero_scored_item_loses_all_its_points(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="0", i2_4_1="20", i3_1_1="30", i3_2_1="40"),
    )  # fmt: skip

    completed = services.assessment_complete(assessment=draft, actor=quality_manager)

    # 90 ÷ 100 → 90.00: four stars
    assert (completed.score, completed.band) == (D("90.00"), "four_stars")
    assert [
        (a.indicator.code, a.points_lost) for a in completed.corrective_actions.all()
    ] == [("1.1.1", D("10.0"))]


def test_the_band_comes_from_the_frameworks_stored_thresholds(
    clock, framework, items, quality_manager
):
    # given two years both scoring 75 (75 of 100 points)
    def seventy_five(year: int) -> Assessment:
        assessment = services.assessment_start(
            framework=framework, year=year, actor=quality_manager
        )
        record(
            assessment, quality_manager,
            scores=answers(assessment, i1_1_1="10", i2_4_1="20", i3_1_1="30", i3_2_1="15"),
        )  # fmt: skip
        return assessment

    # when the first is completed against the seeded bands: ≥ 70 compliant
    first = services.assessment_complete(
        assessment=seventy_five(2025), actor=quality_manager
    )
    assert (first.score, first.band) == (D("75.00"), "compliant")

    # when the bands are changed (stricter compliance at 76, three stars at 75) before
    # the second is completed
    framework.bands = [
        {"min": 60, "band": "compliant"},
        {"min": 75, "band": "three_stars"},
        {"min": 85, "band": "four_stars"},
        {"min": 99, "band": "five_stars"},
    ]
    framework.save(update_fields=["bands"])
    second = services.assessment_complete(
        assessment=seventy_five(2026), actor=quality_manager
    )

    # then the same score reaches three stars; the completed year keeps its band
    assert (second.score, second.band) == (D("75.00"), "three_stars")
    first.refresh_from_db()
    assert first.band == "compliant"


def test_below_the_lowest_band_there_is_no_band(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="10", i2_4_1="20", i3_1_1="30", i3_2_1="9.9"),
    )  # fmt: skip

    completed = services.assessment_complete(assessment=draft, actor=quality_manager)

    # 69.9 of 100 → 69.90 < 70
    assert (completed.score, completed.band) == (D("69.90"), "")


def test_a_completed_assessment_is_read_only(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="5", i2_4_1="20", i3_1_1="30", i3_2_1="40"),
    )  # fmt: skip
    completed = services.assessment_complete(assessment=draft, actor=quality_manager)
    assert completed.score == D("95.00")

    with pytest.raises(DomainError, match="read-only"):
        record(completed, quality_manager, scores=answers(completed, i1_1_1="10"))
    with pytest.raises(DomainError, match="read-only"):
        services.assessment_complete(assessment=completed, actor=quality_manager)

    completed.refresh_from_db()
    assert (completed.status, completed.score, completed.band) == (
        Assessment.Status.COMPLETED, D("95.00"), "five_stars",
    )  # fmt: skip
    stored = {
        r.indicator.code: r.points for r in completed.scores.select_related("indicator")
    }
    assert stored["1.1.1"] == D("5")
    assert CorrectiveAction.objects.count() == 1


def test_a_stale_draft_cannot_be_completed_twice(draft, quality_manager):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="10", i2_4_1="20", i3_1_1="30", i3_2_1="40"),
    )  # fmt: skip
    stale = Assessment.objects.get(pk=draft.pk)  # read before the other completion
    services.assessment_complete(assessment=draft, actor=quality_manager)

    with pytest.raises(DomainError):
        services.assessment_complete(assessment=stale, actor=quality_manager)

    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.COMPLETED
    assert not CorrectiveAction.objects.exists()


# --- Corrective actions -----------------------------------------------------------------------


def test_a_corrective_action_is_described_and_done(draft, quality_manager, outsider):
    record(
        draft, quality_manager,
        scores=answers(draft, i1_1_1="5", i2_4_1="20", i3_1_1="30", i3_2_1="40"),
    )  # fmt: skip
    services.assessment_complete(assessment=draft, actor=quality_manager)
    action = CorrectiveAction.objects.get()

    with pytest.raises(PermissionDenied):
        services.corrective_action_update(
            action=action, actor=outsider, description="Hire.", done=True
        )
    with pytest.raises(ValidationError):
        services.corrective_action_update(
            action=action, actor=quality_manager, description=" ", done=True
        )
    action.refresh_from_db()
    assert (action.description, action.status) == ("", CorrectiveAction.Status.OPEN)

    done = services.corrective_action_update(
        action=action, actor=quality_manager, description=" Train the team. ", done=True
    )

    assert (done.description, done.status) == (
        "Train the team.",
        CorrectiveAction.Status.DONE,
    )
    assert done.done_at == datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)
