"""Quality notices (质量信息反馈单, domain §7) on a small data set: one notice per product model
with cases in the previous month (top fault codes with counts, total cases, compensation
paid on those cases, example numbers), addressed to design, production and purchasing;
idempotent; acknowledgement by a member of the addressed unit only; reminders once per
unit and week; improvement actions verified only when the re-measured fault rate dropped.
Also the other reminders of the sweep: late feedback replies and overdue actions, once."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from aftersales.exceptions import InvalidTransition
from aftersales.models import JobRun, Notification
from feedback.models import (
    FeedbackItem,
    ImprovementAction,
    QualityNotice,
    QualityNoticeRecipient,
)
from feedback.voice import services
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at
from tests.tickets.factories import open_ticket
from tickets.recourse import services as ticket_services

pytestmark = pytest.mark.django_db

ISSUED_AT = at(2026, 3, 1, 4, 0)  # the beat's run on the 1st: February's notices


@pytest.fixture
def people(org):
    return {
        "designer": UserFactory(
            username="designer", roles=["technician"], units=[org["design"]]
        ),
        "design_boss": UserFactory(
            username="design-boss", roles=["supervisor"], supervises=[org["design"]]
        ),
        "producer": UserFactory(
            username="producer", roles=["technician"], units=[org["production"]]
        ),
        "buyer": UserFactory(
            username="buyer", roles=["technician"], units=[org["purchasing"]]
        ),
    }


def case(agent, owner, unit, fault_code, when):
    with time_machine.travel(when, tick=False):
        return open_ticket(
            actor=agent,
            customer=owner,
            product=unit,
            fault_code=fault_code,
            title=f"Fault {fault_code or '?'}",
        )


def pay(ticket, agent, amount):
    return ticket_services.compensation_record(
        ticket=ticket,
        actor=agent,
        kind="refund",
        amount=Decimal(amount),
        liability="none",
        paid_on=date(2026, 2, 20),
    )


@pytest.fixture
def data(standard_for, agent_user, org, people):
    """Washer WM-100: 4 products in the field; February cases E1, E1, E2 and one without
    a code, compensation 100.00 + 50.50. Aircon AC-200: 2 products, one February case E9,
    compensation 30.00. Excluded: a January WM-100 case (999.00 paid), a case on 1 March
    00:30, a February case without a product. Fridge FR-1 has no cases."""
    with time_machine.travel(at(2026, 1, 5), tick=False):
        standard_for()
        washer = product_model(
            actor=agent_user, code="WM-100", category="washing_machine"
        )
        aircon = product_model(
            actor=agent_user, code="AC-200", category="air_conditioner"
        )
        product_model(actor=agent_user, code="FR-1", category="refrigerator")
        wang = customer(actor=agent_user, name="Wang Fang")
        washers = [
            product(actor=agent_user, owner=wang, model=washer, serial=f"W{i}",
                    sale_date=date(2025, 6, 1))
            for i in range(4)
        ]  # fmt: skip
        aircons = [
            product(actor=agent_user, owner=wang, model=aircon, serial=f"A{i}",
                    sale_date=date(2025, 6, 1))
            for i in range(2)
        ]  # fmt: skip
    january = case(agent_user, wang, washers[0], "E1", at(2026, 1, 20))
    february = [
        case(agent_user, wang, washers[0], "E1", at(2026, 2, 1, 0, 10)),
        case(agent_user, wang, washers[1], "E2", at(2026, 2, 10)),
        case(agent_user, wang, washers[2], "E1", at(2026, 2, 15)),
        case(agent_user, wang, washers[3], "", at(2026, 2, 28, 23, 50)),
    ]
    cool = case(agent_user, wang, aircons[0], "E9", at(2026, 2, 11))
    case(agent_user, wang, washers[1], "E1", at(2026, 3, 1, 0, 30))
    with time_machine.travel(at(2026, 2, 12), tick=False):
        open_ticket(actor=agent_user, customer=wang, fault_code="E1")
    with time_machine.travel(at(2026, 2, 25), tick=False):
        pay(january, agent_user, "999.00")
        pay(february[0], agent_user, "100.00")
        pay(february[2], agent_user, "50.50")
        pay(cool, agent_user, "30.00")
    return {
        "washer": washer,
        "aircon": aircon,
        "wang": wang,
        "washers": washers,
        "february": february,
    }


def test_notices_aggregate_the_previous_month_per_model(data, org, people):
    issued = services.quality_notice_generate(now=ISSUED_AT)

    assert issued == 2
    washer = QualityNotice.objects.get(product_model=data["washer"])
    assert washer.period_start == date(2026, 2, 1)
    assert washer.total_cases == 4
    assert washer.top_faults == [{"code": "E1", "count": 2}, {"code": "E2", "count": 1}]
    assert washer.compensation_cost == Decimal("150.50")
    assert washer.example_numbers == [t.number for t in data["february"]]
    assert washer.owned_products == 4
    aircon = QualityNotice.objects.get(product_model=data["aircon"])
    assert (aircon.total_cases, aircon.top_faults, aircon.compensation_cost) == (
        1,
        [{"code": "E9", "count": 1}],
        Decimal("30.00"),
    )
    assert set(washer.recipients.values_list("unit__kind", flat=True)) == {
        "design",
        "production",
        "purchasing",
    }
    assert (
        Notification.objects.filter(
            kind="quality_notice", recipient=people["design_boss"]
        ).count()
        == 1
    )
    # The design unit has a supervisor: its plain members are not told.
    assert not Notification.objects.filter(
        kind="quality_notice", recipient=people["designer"]
    ).exists()
    assert Notification.objects.filter(
        kind="quality_notice", recipient=people["producer"]
    ).exists()
    run = JobRun.objects.get(name="quality_notices")
    assert (run.status, run.items, run.detail) == ("succeeded", 2, "2026-02")


def test_issuing_twice_adds_nothing(data, org):
    services.quality_notice_generate(now=ISSUED_AT)

    assert services.quality_notice_generate(now=at(2026, 3, 1, 9)) == 0
    call_command("quality_notices", month="2026-02", stdout=io.StringIO())

    assert QualityNotice.objects.count() == 2
    assert QualityNoticeRecipient.objects.count() == 6


def test_a_month_without_cases_issues_nothing(data, org):
    assert services.quality_notice_generate(now=at(2025, 12, 1, 4)) == 0
    assert not QualityNotice.objects.exists()


def test_fault_rate_is_cases_per_hundred_products(data):
    assert services.fault_rate(
        product_model=data["washer"], period_start=date(2026, 2, 1), fault_code="E1"
    ) == Decimal("50.0000")
    assert services.fault_rate(
        product_model=data["washer"], period_start=date(2026, 2, 1)
    ) == Decimal("100.0000")


# --- Acknowledgement and reminders ---------------------------------------------------------


@pytest.fixture
def notice(data, org):
    services.quality_notice_generate(now=ISSUED_AT)
    return QualityNotice.objects.get(product_model=data["washer"])


def recipient_of(notice, unit):
    return notice.recipients.get(unit=unit)


def test_a_member_of_the_unit_acknowledges_for_it(notice, org, people):
    design = recipient_of(notice, org["design"])

    done = services.quality_notice_acknowledge(
        recipient=design, actor=people["designer"]
    )

    assert done.acknowledged_by == people["designer"]
    assert done.acknowledged_at is not None
    assert recipient_of(notice, org["production"]).acknowledged_at is None


def test_another_unit_may_not_acknowledge(notice, org, people, quality_manager):
    production = recipient_of(notice, org["production"])

    for outsider in (people["designer"], quality_manager):
        with pytest.raises(PermissionDenied):
            services.quality_notice_acknowledge(recipient=production, actor=outsider)

    production.refresh_from_db()
    assert production.acknowledged_at is None


def test_acknowledging_twice_is_refused(notice, org, people):
    design = recipient_of(notice, org["design"])
    services.quality_notice_acknowledge(recipient=design, actor=people["designer"])

    with pytest.raises(InvalidTransition):
        services.quality_notice_acknowledge(
            recipient=design, actor=people["design_boss"]
        )
    design.refresh_from_db()
    assert design.acknowledged_by == people["designer"]


def reminders_to(person):
    return Notification.objects.filter(
        kind="quality_notice_reminder", recipient=person
    ).count()


def test_unacknowledged_units_are_reminded_once_a_week(notice, org, people):
    services.quality_notice_acknowledge(
        recipient=recipient_of(notice, org["design"]), actor=people["designer"]
    )

    services.voice_reminders(now=at(2026, 3, 7, 9))  # six days: too early
    assert reminders_to(people["producer"]) == 0

    services.voice_reminders(now=at(2026, 3, 8, 9))
    services.voice_reminders(now=at(2026, 3, 8, 10))
    services.voice_reminders(now=at(2026, 3, 12, 9))

    # Two notices (washer, aircon) unacknowledged by production: one reminder each.
    assert reminders_to(people["producer"]) == 2
    assert reminders_to(people["buyer"]) == 2
    assert reminders_to(people["design_boss"]) == 1  # the aircon notice only

    services.voice_reminders(now=at(2026, 3, 15, 9))  # a week later: again
    assert reminders_to(people["producer"]) == 4


def test_late_feedback_replies_are_reminded_once(standard_for, agent_user):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        standard_for()
        item = services.feedback_item_create(
            actor=agent_user, source="staff", text="Faster parts please."
        )
    assert item.reply_due_on == date(2026, 3, 12)

    assert services.voice_reminders(now=at(2026, 3, 12, 9)) == 0
    assert services.voice_reminders(now=at(2026, 3, 13, 9)) == 1
    assert services.voice_reminders(now=at(2026, 3, 14, 9)) == 0

    assert (
        Notification.objects.filter(kind="feedback_late", recipient=agent_user).count()
        == 1
    )
    item.refresh_from_db()
    assert item.reminded_on == date(2026, 3, 13)
    assert FeedbackItem.objects.overdue(date(2026, 3, 13)).get() == item


# --- Improvement actions -------------------------------------------------------------------


@pytest.fixture
def action(notice, org, people):
    with time_machine.travel(at(2026, 3, 3), tick=False):
        return services.improvement_action_create(
            notice=notice,
            unit=org["design"],
            actor=people["designer"],
            description="Stronger drum bearing.",
            due_on=date(2026, 3, 31),
            fault_code="E1",
        )


def test_an_action_keeps_its_baseline_fault_rate(action, people):
    assert action.status == ImprovementAction.Status.OPEN
    assert action.owner == people["designer"]
    assert action.baseline_rate == Decimal("50.0000")


def test_only_addressed_units_and_their_members_answer(notice, org, people):
    with pytest.raises(PermissionDenied):
        services.improvement_action_create(
            notice=notice, unit=org["design"], actor=people["producer"],
            description="Not mine.", due_on=date(2030, 1, 1),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.improvement_action_create(
            notice=notice, unit=org["qa"], actor=people["designer"],
            description="Wrong unit.", due_on=date(2030, 1, 1),
        )  # fmt: skip
    assert not ImprovementAction.objects.exists()


def test_verification_waits_for_the_month_after_done(action, people, quality_manager):
    with time_machine.travel(at(2026, 3, 20), tick=False):
        services.improvement_action_mark_done(action=action, actor=people["designer"])

    with pytest.raises(ValidationError):
        services.improvement_action_verify(
            action=action, actor=quality_manager, now=at(2026, 4, 30, 12)
        )
    action.refresh_from_db()
    assert action.status == ImprovementAction.Status.DONE


def test_a_lower_rate_in_the_month_after_done_verifies(
    action, data, agent_user, people, quality_manager
):
    with time_machine.travel(at(2026, 3, 20), tick=False):
        services.improvement_action_mark_done(action=action, actor=people["designer"])
    case(agent_user, data["wang"], data["washers"][0], "E1", at(2026, 4, 9))
    case(agent_user, data["wang"], data["washers"][0], "E2", at(2026, 4, 10))

    verified = services.improvement_action_verify(
        action=action, actor=quality_manager, now=at(2026, 5, 1, 9)
    )

    assert verified.status == ImprovementAction.Status.VERIFIED
    assert verified.remeasured_rate == Decimal("25.0000")
    assert verified.remeasured_period == date(2026, 4, 1)
    assert verified.verified_by == quality_manager


def test_a_rate_that_did_not_drop_reopens_the_action(
    action, data, agent_user, people, quality_manager
):
    with time_machine.travel(at(2026, 3, 20), tick=False):
        services.improvement_action_mark_done(action=action, actor=people["designer"])
    case(agent_user, data["wang"], data["washers"][0], "E1", at(2026, 4, 9))
    case(agent_user, data["wang"], data["washers"][1], "E1", at(2026, 4, 19))

    again = services.improvement_action_verify(
        action=action, actor=quality_manager, now=at(2026, 5, 2, 9)
    )

    assert again.status == ImprovementAction.Status.OPEN
    assert again.remeasured_rate == Decimal("50.0000")
    assert again.verified_at is None
    assert again.done_at is None
    assert Notification.objects.filter(
        kind="improvement_not_verified", recipient=people["designer"]
    ).exists()


def test_only_quality_verifies_and_only_done_actions(action, people, quality_manager):
    with pytest.raises(InvalidTransition):
        services.improvement_action_verify(
            action=action, actor=quality_manager, now=at(2026, 6, 1)
        )
    services.improvement_action_mark_done(action=action, actor=people["designer"])
    with pytest.raises(PermissionDenied):
        services.improvement_action_verify(
            action=action, actor=people["designer"], now=at(2026, 6, 1)
        )
    action.refresh_from_db()
    assert action.status == ImprovementAction.Status.DONE


def test_overdue_actions_are_reminded_once(action, people):
    services.voice_reminders(now=at(2026, 3, 31, 9))
    assert not Notification.objects.filter(kind="improvement_overdue").exists()

    services.voice_reminders(now=at(2026, 4, 1, 9))
    services.voice_reminders(now=at(2026, 4, 2, 9))

    assert (
        Notification.objects.filter(
            kind="improvement_overdue", recipient=people["designer"]
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            kind="improvement_overdue", recipient=people["design_boss"]
        ).count()
        == 1
    )
