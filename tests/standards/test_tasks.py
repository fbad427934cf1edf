"""The daily standards jobs (standards/tasks.py, run eagerly in tests) and their management
command `standards_daily`: each calls its service for the local date and records a job run."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from aftersales.models import JobRun, Notification
from standards import calendar as business_calendar
from standards.models import StandardVersion
from standards.tasks import (
    calendar_coverage_check_task,
    standard_activation_sweep_task,
    standard_review_sweep_task,
)
from standards.workflow import VersionStatus
from tests.aftersales.factories import UserFactory
from tests.standards.factories import approved, document, effective

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 02:00 on 1 July in Shanghai is still 30 June in UTC: the jobs must use the local date.
NOW = datetime(2026, 7, 1, 2, 0, tzinfo=SHANGHAI)
MISSING = business_calendar.missing_years([2026, 2027])
COVERAGE_LINE = "calendar_coverage: " + (
    f"holidays missing for {', '.join(map(str, MISSING))}" if MISSING else "ok"
)


@pytest.fixture
def quality(unit_tree):
    return UserFactory(
        username="zhao", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def due_for_activation(manager_user, quality, unit_tree):
    """Service standard v1 in force; v2 approved in June to start on 1 July."""
    doc = document(actor=manager_user, owner=quality, owner_unit=unit_tree["co"])
    effective(
        doc, author=quality, approver=manager_user, effective_from=date(2026, 1, 1)
    )
    return approved(
        doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 15),
    )


@pytest.fixture
def due_for_review(manager_user, quality, unit_tree):
    """A work standard in force since 1 August 2023: its review is due 1 August 2026."""
    doc = document(
        actor=manager_user,
        owner=quality,
        owner_unit=unit_tree["ws"],
        code="Q/ACME 401",
        kind="work",
    )
    version = effective(
        doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2023, 8, 1),
        parameters={},
    )
    assert version.next_review_due == date(2026, 8, 1)
    return version


def job_runs(name: str) -> list[tuple[str, int]]:
    return list(
        JobRun.objects.filter(name=name).order_by("pk").values_list("status", "items")
    )


@time_machine.travel(NOW, tick=False)
def test_activation_task_activates_versions_starting_today(due_for_activation):
    assert standard_activation_sweep_task.delay().get() == 1
    assert StandardVersion.objects.get(pk=due_for_activation.pk).status == (
        VersionStatus.EFFECTIVE
    )
    assert standard_activation_sweep_task.delay().get() == 0
    assert job_runs("standard_activation") == [("succeeded", 1), ("succeeded", 0)]


@time_machine.travel(NOW, tick=False)
def test_review_task_reminds_the_owner_once(due_for_review):
    assert standard_review_sweep_task.delay().get() == 1
    assert standard_review_sweep_task.delay().get() == 0
    assert list(
        Notification.objects.filter(kind="standard_review_due").values_list(
            "recipient__username", "title"
        )
    ) == [("zhao", "Review Q/ACME 401 by 2026-08-01")]
    assert job_runs("standard_review_reminders") == [
        ("succeeded", 1),
        ("succeeded", 0),
    ]


@time_machine.travel(NOW, tick=False)
def test_calendar_coverage_task_returns_the_missing_years(quality):
    assert calendar_coverage_check_task.delay().get() == MISSING
    assert Notification.objects.filter(
        kind="calendar_missing_year", recipient=quality
    ).count() == len(MISSING)
    assert list(
        JobRun.objects.filter(name="calendar_coverage").values_list(
            "status", "items", "detail"
        )
    ) == [("succeeded", len(MISSING), ", ".join(map(str, MISSING)))]


def run_daily(*args: str) -> list[str]:
    out = StringIO()
    call_command("standards_daily", *args, stdout=out)
    return out.getvalue().splitlines()


@time_machine.travel(NOW, tick=False)
def test_standards_daily_prints_its_three_lines(due_for_activation, due_for_review):
    assert run_daily() == [
        "standard_activation: 1 version(s) made effective",
        "standard_review_reminders: 1 reminder(s) sent",
        COVERAGE_LINE,
    ]
    assert run_daily() == [
        "standard_activation: 0 version(s) made effective",
        "standard_review_reminders: 0 reminder(s) sent",
        COVERAGE_LINE,
    ]
    assert sorted(JobRun.objects.values_list("name", "items")) == sorted(
        [
            ("standard_activation", 1),
            ("standard_activation", 0),
            ("standard_review_reminders", 1),
            ("standard_review_reminders", 0),
            ("calendar_coverage", len(MISSING)),
            ("calendar_coverage", len(MISSING)),
        ]
    )


def test_standards_daily_runs_for_the_given_day(due_for_activation, due_for_review):
    assert run_daily("--today", "2026-05-01") == [
        "standard_activation: 0 version(s) made effective",
        "standard_review_reminders: 0 reminder(s) sent",
        COVERAGE_LINE,
    ]
    assert StandardVersion.objects.get(pk=due_for_activation.pk).status == "approved"

    assert run_daily("--today=2026-07-01", "--only", "activation") == [
        "standard_activation: 1 version(s) made effective"
    ]
    assert StandardVersion.objects.get(pk=due_for_activation.pk).status == "effective"


def test_standards_daily_reports_ok_when_the_holidays_are_known():
    year = max(business_calendar.supported_years()) - 1
    assert run_daily(f"--today={year}-03-01", "--only=calendar") == [
        "calendar_coverage: ok"
    ]
    assert list(JobRun.objects.values_list("name", "detail")) == [
        ("calendar_coverage", "")
    ]


def test_standards_daily_names_far_future_missing_years():
    assert run_daily("--today=2099-03-01", "--only=calendar") == [
        "calendar_coverage: holidays missing for 2099, 2100"
    ]


@pytest.mark.parametrize("args", [["--today=2026-13-01"], ["--only=everything"]])
def test_standards_daily_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        run_daily(*args)
    assert JobRun.objects.count() == 0
