"""The monthly report (dashboards/services.py `monthly_report_send`, the `monthly-report`
beat entry, its task and the `monthly_report` command): on the 1st, last month's
company-wide figures go to each manager and quality manager with an e-mail address, in
their language, through the outbox, once per person and month (key
`monthly-report:YYYY-MM:<user id>`); the subject names the month; the body lists the three
controls with their limits and links to the month's dashboard; every run is a JobRun."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from aftersales.models import JobRun, OutboxMessage
from customers import services as archive_services
from dashboards import kpis, selectors, services, tasks
from dashboards.measures import Scope
from dashboards.periods import custom_period
from dashboards.tables import format_value
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import open_ticket, service_standard

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_OF_APRIL = datetime(2026, 4, 1, 6, 0, tzinfo=SHANGHAI)  # the beat's hour
SUBJECT = "[Aftersales] Service figures of %(period)s"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def zh_translated(msgid: str) -> bool:
    """Whether the zh_Hans catalogue translates `msgid` (another engineer is adding the
    report's strings)."""
    with translation.override("zh-hans"):
        return gettext(msgid) != msgid


# --- People and March's figures --------------------------------------------------------------


@pytest.fixture
def people(unit_tree):
    """Who gets the report: two managers (one reading Chinese), a quality manager; who
    does not: a manager and a quality manager without an address, an inactive manager,
    an agent, a supervisor and a technician (with addresses)."""
    co, hot = unit_tree["co"], unit_tree["hot"]

    def user(username, role, *, units=(co,), **fields):
        return UserFactory(
            username=username, first_name=username.title(), last_name="Test",
            roles=[role], units=list(units), **fields,
        )  # fmt: skip

    return {
        "wang": user("wang", "manager", email="wang@example.com"),
        "zhou": user("zhou", "manager", email="zhou@example.com", language="zh-hans"),
        "qm": user("qm", "quality_manager", email="qm@example.com"),
        "no_mail": user("nomail", "manager", email=""),
        "qm_no_mail": user("qmnomail", "quality_manager", email=""),
        "gone": user("gone", "manager", email="gone@example.com", is_active=False),
        "li": user("li", "agent", units=[hot], email="li@example.com"),
        "chen": user("chen", "supervisor", units=[hot], email="chen@example.com"),
        "liu": user("liu", "technician", units=[hot], email="liu@example.com"),
    }


RECIPIENTS = ("wang", "zhou", "qm")


@pytest.fixture
def march(people, unit_tree):
    """The company standard; four products in service; in March two complaints (complaint
    rate 2 ÷ 4 = 50 %, over the ceiling 0.001 %) and a contact without a disposition;
    a complaint in April (not March's)."""
    li = people["li"]
    with travel(at(2026, 1, 5)):
        service_standard(
            author=people["qm"], approver=people["wang"], owner_unit=unit_tree["co"]
        )
        zhang = customer(actor=li, name="Zhang Wei", phones=["13800138000"])
        model = product_model(actor=li, code="W-1", category="washing_machine")
        owned = [
            product(
                actor=li,
                owner=zhang,
                model=model,
                serial=f"S{n}",
                sale_date=date(2025, 5, 1),
                delivery_date=date(2025, 5, 2),
            )  # fmt: skip
            for n in range(4)
        ]
    for day, item in ((3, owned[0]), (17, owned[1])):
        with travel(at(2026, 3, day)):
            open_ticket(actor=li, customer=zhang, type="complaint", product=item)
    with travel(at(2026, 3, 4)):
        archive_services.contact_log(
            actor=li, customer=zhang, channel="phone", summary="Call", disposition="",
            at=at(2026, 3, 4),
        )  # fmt: skip
    with travel(at(2026, 4, 1, 2)):
        open_ticket(actor=li, customer=zhang, type="complaint", product=owned[2])


def march_report() -> selectors.Report:
    start, end = custom_period(date(2026, 3, 1), date(2026, 3, 31)).span(SHANGHAI)
    return selectors.kpi_report(Scope(start=start, end=end, now=FIRST_OF_APRIL))


def send(now: datetime = FIRST_OF_APRIL) -> int:
    with travel(now):
        return services.monthly_report_send(now=now)


def reports() -> dict[str, OutboxMessage]:
    """The monthly-report messages by address."""
    return {
        m.to: m for m in OutboxMessage.objects.filter(key__startswith="monthly-report:")
    }


# --- Who gets it ------------------------------------------------------------------------------


def test_managers_and_quality_managers_with_an_address_get_one_message_each(
    march, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = send()

    assert queued == 3
    messages = reports()
    assert sorted(messages) == [
        "qm@example.com",
        "wang@example.com",
        "zhou@example.com",
    ]
    for key in RECIPIENTS:
        person = people[key]
        message = messages[person.email]
        assert message.key == f"monthly-report:2026-03:{person.pk}"
        assert message.channel == OutboxMessage.Channel.EMAIL
    # nobody else: agents, supervisors, technicians, no address, inactive
    assert OutboxMessage.objects.filter(key__startswith="monthly-report:").count() == 3
    # and the outbox delivers each after commit, once
    delivered = [
        m for m in mail.outbox if m.subject.startswith(("[Aftersales]", "[售后"))
    ]
    assert sorted(m.to[0] for m in delivered) == sorted(messages)
    assert all(m.sent_at is not None for m in reports().values())


def test_the_english_message_names_the_month_the_controls_their_limits_and_the_link(
    march, people
):
    send()
    message = reports()["wang@example.com"]
    report = march_report()

    assert message.subject == "[Aftersales] Service figures of 2026-03"
    body = message.body
    assert body.startswith("Hello Wang Test,\n")
    assert "The service figures of 2026-03, company-wide" in body
    assert "Three controls\n" in body
    # every control with its value and limit; the complaint rate 2 ÷ 4 is over it
    for key in kpis.CONTROLS:
        value = report.values[key]
        line = (
            f"- {value.kpi.label}: {format_value(value.kpi.kind, value.value)} "
            f"(limit {format_value(value.kpi.kind, value.ceiling)})"
        )
        assert line in body, line
    assert report.values["complaint_rate"].value == 0.5
    assert "- Complaint rate: 50.00 % (limit 0.001 %) — over the limit\n" in body
    # then every other KPI, and the breaches counted
    assert "Other KPIs\n" in body
    assert f"- {kpis.BY_KEY['backlog'].label}: " in body
    breaches = len(report.breaches)
    assert breaches >= 1
    assert (
        f"{breaches} KPIs are past their limits." in body
        if breaches > 1
        else "1 KPI is past its limit." in body
    )
    link = (
        f"{settings.AFTERSALES_BASE_URL.rstrip('/')}/dashboard/"
        "?period=month&date=2026-03-01"
    )
    assert f"The dashboard of the month: {link}\n" in body


def test_a_chinese_reading_manager_gets_the_chinese_text(march, people):
    send()
    message = reports()["zhou@example.com"]

    # the message is there, once
    assert message.key == f"monthly-report:2026-03:{people['zhou'].pk}"
    assert "2026-03" in message.subject
    assert "period=month&date=2026-03-01" in message.body
    assert zh_translated(SUBJECT)
    with translation.override("zh-hans"):
        subject = gettext(SUBJECT) % {"period": "2026-03"}
        label = str(kpis.BY_KEY["complaint_rate"].label)
        controls = gettext("Three controls")
    assert message.subject == subject
    assert message.subject != "[Aftersales] Service figures of 2026-03"
    assert controls in message.body
    assert f"- {label}: 50.00 %" in message.body
    assert zh_translated("The dashboard of the month:")
    assert "The dashboard of the month:" not in message.body
    # the English readers still get English
    assert reports()["wang@example.com"].subject.startswith("[Aftersales]")


# --- Once per person and month ----------------------------------------------------------------


def test_running_twice_sends_nothing_new(march, people):
    assert send() == 3
    first = {m.pk: (m.subject, m.body) for m in reports().values()}

    assert send() == 0
    # later in April: still March's report, already sent
    assert send(at(2026, 4, 15, 6)) == 0

    assert {m.pk: (m.subject, m.body) for m in reports().values()} == first
    assert OutboxMessage.objects.filter(key__startswith="monthly-report:").count() == 3


def test_a_new_month_is_a_new_report(march, people):
    send()

    assert send(datetime(2026, 5, 1, 6, tzinfo=SHANGHAI)) == 3

    keys = set(
        OutboxMessage.objects.filter(key__startswith="monthly-report:").values_list(
            "key", flat=True
        )
    )
    assert keys == {
        f"monthly-report:{month}:{people[key].pk}"
        for month in ("2026-03", "2026-04")
        for key in RECIPIENTS
    }
    april = OutboxMessage.objects.get(key=f"monthly-report:2026-04:{people['wang'].pk}")
    assert april.subject == "[Aftersales] Service figures of 2026-04"
    assert "date=2026-04-01" in april.body


def test_someone_who_gains_an_address_gets_the_months_report_on_the_next_run(
    march, people
):
    send()
    manager = people["no_mail"]
    manager.email = "late@example.com"
    manager.save(update_fields=["email"])

    assert send() == 1

    assert reports()["late@example.com"].key == f"monthly-report:2026-03:{manager.pk}"


# --- The job, the task, the command --------------------------------------------------------------


def test_each_run_is_recorded_as_a_job_run(march, people):
    send()
    send()

    runs = list(JobRun.objects.filter(name="monthly_report").order_by("pk"))
    assert [(r.status, r.items, r.errors, r.detail) for r in runs] == [
        (JobRun.Status.SUCCEEDED, 3, 0, "2026-03"),
        (JobRun.Status.SUCCEEDED, 0, 0, "2026-03"),
    ]
    assert all(r.finished_at is not None for r in runs)


def test_the_beat_runs_the_task_on_the_first_of_the_month(march, people):
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-report"]
    assert entry["task"] == "dashboards.tasks.monthly_report_task"
    assert entry["schedule"] == crontab(day_of_month=1, hour=6, minute=0)

    with travel(FIRST_OF_APRIL):
        assert tasks.monthly_report_task.delay().get() == 3

    assert len(reports()) == 3
    assert JobRun.objects.filter(name="monthly_report").count() == 1


def test_the_command_prints_the_count(march, people):
    out = io.StringIO()
    with travel(FIRST_OF_APRIL):
        call_command("monthly_report", stdout=out)
    assert out.getvalue() == "monthly_report_send: 3 message(s) queued\n"

    again = io.StringIO()
    with travel(FIRST_OF_APRIL):
        call_command("monthly_report", stdout=again)
    assert again.getvalue() == "monthly_report_send: 0 message(s) queued\n"
    assert len(reports()) == 3


def test_without_data_the_report_still_goes_out_with_empty_figures(people):
    # no standard, no cases: every KPI without a value and no limit
    assert send() == 3

    body = reports()["qm@example.com"].body
    assert "- Complaint rate: — (limit —)\n" in body
    assert "0 KPIs are past their limits." in body
