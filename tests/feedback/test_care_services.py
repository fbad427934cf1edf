"""Care programmes (domain §7, scenarios A20/A21): audiences per kind, consent and the
frequency cap, recalls overriding opt-out within the serial range, warranty and maintenance
windows from the archive, preview = run, skip reasons, idempotent runs and sweep through
the outbox, care calls on the follow-up worklist, the customer timeline, set-based runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.exceptions import InvalidTransition
from aftersales.models import JobRun, OutboxMessage
from aftersales.outbox import LocmemSmsBackend
from customers import selectors as archive_selectors
from customers import services as archive_services
from customers.models import Customer, ValidityEvent
from feedback.care import services
from feedback.care.audience import care_audience
from feedback.models import CareProgramme, CareRun, CareTouch, FollowUp
from feedback.tasks import care_sweep_task
from tests.aftersales.factories import UserFactory
from tests.customers.factories import (
    CustomerFactory,
    CustomerPhoneFactory,
    OwnedProductFactory,
    ProductModelFactory,
)
from tests.feedback.test_care_support import (
    NOW,
    TODAY,
    anonymise,
    fridge,
    installed,
    installed_ending_on,
    other_fridge,
    person,
    programme,
    quality_manager,
    standard,
    travel,
)

# The shared fixtures, used here so that pytest finds them in this module.
SHARED_FIXTURES = (fridge, other_fridge, quality_manager, standard, travel)

pytestmark = pytest.mark.django_db

Reason = CareTouch.SkipReason


def touches(prog, **filters) -> dict[str, str]:
    """{customer name: status or skip reason} of a programme's touches."""
    return {
        t.customer.name: t.skip_reason or t.status
        for t in CareTouch.objects.filter(programme=prog, **filters).select_related(
            "customer"
        )
    }


# --- Programmes -------------------------------------------------------------------------------


def test_only_care_managers_create_programmes(agent_user, quality_manager, travel):
    with pytest.raises(PermissionDenied):
        programme(agent_user, kind="information")
    created = programme(quality_manager, kind="information")
    assert created.owner == quality_manager
    assert created.created_by == quality_manager
    assert created.frequency_cap_days == 30  # information is capped by default


def test_a_recall_needs_models_is_never_capped_and_checks_its_range(
    quality_manager, fridge, travel
):
    with pytest.raises(ValidationError) as exc:
        programme(quality_manager, kind="recall", serial_from="SN0200")
    assert {"product_models", "serial_from"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        programme(
            quality_manager,
            kind="recall",
            product_models=[fridge],
            serial_from="SN0200",
            serial_to="SN0100",
        )
    assert "serial_to" in exc.value.message_dict
    recall = programme(
        quality_manager, kind="recall", product_models=[fridge], frequency_cap_days=7
    )
    assert recall.frequency_cap_days is None


def test_templates_with_unknown_placeholders_and_bad_channels_are_refused(
    quality_manager, travel
):
    with pytest.raises(ValidationError) as exc:
        programme(
            quality_manager,
            kind="information",
            body_en="Hello {firstname}",
            channels=["fax"],
        )
    assert set(exc.value.message_dict) >= {"body_en", "channels"}
    with pytest.raises(ValidationError) as exc:
        programme(
            quality_manager,
            kind="information",
            body_en="{customer.__class__}",
            body_zh="{0} {",
        )
    assert set(exc.value.message_dict) == {"body_en", "body_zh"}


def test_a_programme_name_with_braces_is_not_a_template(
    quality_manager, agent_user, travel
):
    person(agent_user, "Fan", consent_marketing=True, email="fan@example.com")
    info = programme(
        quality_manager,
        kind="information",
        name="Promo {2026",
        channels=["email"],
        subject_en="",
    )
    services.care_run(actor=quality_manager, programme=info)
    message = OutboxMessage.objects.get()
    assert message.subject == "Promo {2026"
    assert "Promo {2026" in message.body


def test_the_kind_of_a_programme_that_ran_is_fixed(quality_manager, agent_user, travel):
    info = programme(quality_manager, kind="information")
    services.care_programme_update(
        actor=quality_manager, programme=info, kind="care_call", channels=["call"]
    )
    services.care_run(actor=quality_manager, programme=info)
    with pytest.raises(ValidationError) as exc:
        services.care_programme_update(
            actor=quality_manager, programme=info, kind="information"
        )
    assert "kind" in exc.value.message_dict


# --- Information: marketing consent and the frequency cap --------------------------------------


def test_information_reaches_only_customers_with_marketing_consent(
    quality_manager, agent_user, travel
):
    person(agent_user, "Yes", consent_marketing=True)
    person(agent_user, "No")
    person(
        agent_user,
        "Opted out of service",
        consent_marketing=True,
        consent_service=False,
    )
    info = programme(quality_manager, kind="information")

    run = services.care_run(actor=quality_manager, programme=info)

    assert touches(info) == {
        "Yes": "sent",
        "No": Reason.NO_CONSENT,
        "Opted out of service": "sent",  # information asks for marketing consent only
    }
    assert (run.audience, run.sent, run.skipped) == (3, 2, 1)
    assert run.skip_counts == {"no_consent": 1}


def test_frequency_cap_across_information_programmes_for_30_days(
    quality_manager, agent_user, travel
):
    person(agent_user, "Fan", consent_marketing=True)
    first = programme(quality_manager, kind="information", name="New fridge")
    second = programme(quality_manager, kind="information", name="Service plan")
    services.care_run(actor=quality_manager, programme=first)

    capped = services.care_run(actor=quality_manager, programme=second)
    assert touches(second) == {"Fan": Reason.FREQUENCY_CAP}
    assert capped.sent == 0

    travel.shift(timedelta(days=29))
    assert services.care_preview(second)["will_skip"] == {"frequency_cap": 1}
    travel.shift(timedelta(days=1))
    later = services.care_run(actor=quality_manager, programme=second)
    assert later.sent == 1
    assert OutboxMessage.objects.count() == 2


def test_the_cap_holds_within_one_run_across_products(
    quality_manager, agent_user, fridge, travel
):
    owner = person(agent_user, "Two fridges")
    installed_ending_on(agent_user, owner, fridge, "SN1", TODAY + timedelta(days=10))
    installed_ending_on(agent_user, owner, fridge, "SN2", TODAY + timedelta(days=20))
    reminder = programme(quality_manager, kind="warranty_expiry", frequency_cap_days=30)

    run = services.care_run(actor=quality_manager, programme=reminder)

    assert (run.audience, run.sent, run.skip_counts) == (2, 1, {"frequency_cap": 1})
    assert OutboxMessage.objects.count() == 1


# --- Safety recalls -----------------------------------------------------------------------------


def test_recall_reaches_every_owner_in_the_serial_range_regardless_of_opt_out(
    quality_manager, agent_user, manager_user, fridge, other_fridge, travel
):
    opted_out = person(agent_user, "No marketing, no service", consent_service=False)
    marketing = person(agent_user, "Marketing", consent_marketing=True)
    outside = person(agent_user, "Outside the range")
    other_model = person(agent_user, "Other model")
    no_phone = person(agent_user, "No phone", phones=[])
    erased = person(agent_user, "Erased")
    short = person(agent_user, "Short serial")
    day = date(2025, 6, 1)
    installed(agent_user, opted_out, fridge, "SN0150", day)
    installed(agent_user, marketing, fridge, "SN0100", day)
    installed(agent_user, outside, fridge, "SN0201", day)
    installed(agent_user, other_model, other_fridge, "SN0150", day)
    installed(agent_user, no_phone, fridge, "SN0160", day)
    installed(agent_user, erased, fridge, "SN0170", day)
    installed(agent_user, short, fridge, "SN02", day)  # "SN02" < "SN0200" as text
    anonymise(erased, manager_user)
    recall = programme(
        quality_manager,
        kind="recall",
        product_models=[fridge],
        serial_from="SN0100",
        serial_to="SN0200",
        channels=["sms", "email"],
    )

    assert services.care_preview(recall) == {
        "audience": 4,
        "will_send": 2,
        "will_skip": {"no_contact": 1, "anonymised": 1},
        "channels": {"sms": 2},
    }
    services.care_run(actor=quality_manager, programme=recall)

    assert touches(recall) == {
        "No marketing, no service": "sent",
        "Marketing": "sent",
        "No phone": Reason.NO_CONTACT,
        "[removed]": Reason.ANONYMISED,
    }
    sent_to = set(OutboxMessage.objects.values_list("to", flat=True))
    assert sent_to == {"+8613800138000"}
    assert OutboxMessage.objects.count() == 2


def test_a_merged_duplicate_is_not_recalled_twice(
    quality_manager, agent_user, fridge, travel
):
    survivor = person(agent_user, "Survivor")
    duplicate = person(agent_user, "Duplicate", phones=["13900139000"])
    installed(agent_user, duplicate, fridge, "SN0100", date(2025, 6, 1))
    recall = programme(quality_manager, kind="recall", product_models=[fridge])
    services.care_run(actor=quality_manager, programme=recall)
    archive_services.customer_merge(
        survivor=survivor, duplicate=duplicate, actor=agent_user
    )

    again = services.care_run(actor=quality_manager, programme=recall)
    assert (again.audience, again.sent, again.skip_counts) == (
        1,
        0,
        {"already_sent": 1},
    )


def test_recall_later_reaches_a_new_owner_and_a_customer_who_got_a_phone(
    quality_manager, agent_user, fridge, travel
):
    first = person(agent_user, "First")
    silent = person(agent_user, "Silent", phones=[])
    installed(agent_user, first, fridge, "SN0100", date(2025, 6, 1))
    installed(agent_user, silent, fridge, "SN0101", date(2025, 6, 1))
    recall = programme(quality_manager, kind="recall", product_models=[fridge])
    services.care_run(actor=quality_manager, programme=recall)

    archive_services.customer_update(
        customer=silent, actor=agent_user, phones=["13900139000"]
    )
    late = person(agent_user, "Registered later")
    installed(agent_user, late, fridge, "SN0102", date(2025, 6, 1))
    again = services.care_run(actor=quality_manager, programme=recall)

    assert (again.audience, again.sent) == (3, 2)
    assert again.skip_counts == {"already_sent": 1}
    statuses = sorted(
        CareTouch.objects.filter(customer=silent).values_list("status", "skip_reason")
    )
    assert statuses == [
        ("sent", ""),
        ("skipped", "no_contact"),
    ]  # the skip stays logged


# --- Warranty expiry: the window from the archive's computed validity --------------------------


def test_warranty_reminder_window_comes_from_the_archive_validity(
    quality_manager, agent_user, fridge, travel
):
    owners = {
        name: person(agent_user, name)
        for name in ("In 30 days", "In 31 days", "In 5 days", "Expired", "Opted out")
    }
    installed_ending_on(
        agent_user, owners["In 30 days"], fridge, "A", TODAY + timedelta(days=30)
    )
    installed_ending_on(
        agent_user, owners["In 31 days"], fridge, "B", TODAY + timedelta(days=31)
    )
    installed_ending_on(
        agent_user, owners["In 5 days"], fridge, "C", TODAY + timedelta(days=5)
    )
    installed_ending_on(
        agent_user, owners["Expired"], fridge, "D", TODAY - timedelta(days=1)
    )
    archive_services.customer_update(
        customer=owners["Opted out"], actor=agent_user, consent_service=False
    )
    installed_ending_on(
        agent_user, owners["Opted out"], fridge, "E", TODAY + timedelta(days=12)
    )
    reminder = programme(quality_manager, kind="warranty_expiry")

    assert set(
        care_audience(reminder, today=TODAY).values_list("serial", flat=True)
    ) == {"A", "C", "E"}
    services.care_run(actor=quality_manager, programme=reminder)

    assert touches(reminder) == {
        "In 30 days": "sent",
        "In 5 days": "sent",
        "Opted out": Reason.OPTED_OUT,
    }
    body = OutboxMessage.objects.get(to="+8613800138000", body__contains=" A ").body
    assert (TODAY + timedelta(days=30)).isoformat() in body

    # Next day the 31-day one enters the window; the others are not sent twice.
    travel.shift(timedelta(days=1))
    tomorrow = services.care_run(actor=quality_manager, programme=reminder)
    assert tomorrow.sent == 1
    assert tomorrow.skip_counts == {"already_sent": 2, "opted_out": 1}
    assert OutboxMessage.objects.count() == 3


def test_warranty_reminder_on_main_components_validity(
    quality_manager, agent_user, fridge, travel
):
    owner = person(agent_user, "Compressor")
    unit = installed(agent_user, owner, fridge, "M1", date(2023, 3, 20))
    assert unit.main_validity_end == date(2026, 3, 19)
    whole = programme(quality_manager, kind="warranty_expiry")
    main = programme(
        quality_manager,
        kind="warranty_expiry",
        validity_basis=CareProgramme.ValidityBasis.MAIN_COMPONENTS,
    )
    assert services.care_preview(whole)["audience"] == 0
    assert services.care_preview(main)["will_send"] == 1


# --- Maintenance due -------------------------------------------------------------------------


def test_maintenance_due_by_interval_from_installation_or_last_repair(
    quality_manager, agent_user, fridge, travel
):
    archive_services.product_model_save(
        actor=agent_user, product_model=fridge, maintenance_interval_months=6
    )
    due_soon = person(agent_user, "Installed six months ago")
    not_due = person(agent_user, "Installed nine months ago")
    repaired = person(agent_user, "Repaired in September")
    unrepaired = person(agent_user, "Long ago, never repaired")
    installed(agent_user, due_soon, fridge, "M1", date(2025, 9, 20))  # due 2026-03-20
    installed(agent_user, not_due, fridge, "M2", date(2025, 6, 1))  # due 2026-06-01
    old = installed(agent_user, repaired, fridge, "M3", date(2024, 1, 10))
    archive_services.validity_event_add(
        product=old, kind=ValidityEvent.Kind.REPAIR_DAYS, on=date(2025, 9, 25), days=3
    )  # due 2026-03-25
    installed(agent_user, unrepaired, fridge, "M4", date(2024, 1, 10))  # due 2026-07-10
    reminder = programme(quality_manager, kind="maintenance_due")

    services.care_run(actor=quality_manager, programme=reminder)

    assert touches(reminder) == {
        "Installed six months ago": "sent",
        "Repaired in September": "sent",
    }
    periods = set(CareTouch.objects.values_list("period_key", flat=True))
    assert periods == {"2026-03-20", "2026-03-25"}


def test_maintenance_interval_of_the_programme_overrides_the_model(
    quality_manager, agent_user, fridge, travel
):
    owner = person(agent_user, "Yearly")
    installed(agent_user, owner, fridge, "Y1", date(2025, 3, 15))
    reminder = programme(
        quality_manager, kind="maintenance_due", maintenance_interval_months=12
    )
    assert services.care_preview(reminder)["will_send"] == 1
    assert CareTouch.objects.count() == 0  # the preview writes nothing


# --- Care calls ------------------------------------------------------------------------------


def test_care_calls_by_segment_become_follow_up_tasks_once_per_period(
    quality_manager, agent_user, travel
):
    key = person(agent_user, "Key account", segment="key")
    person(agent_user, "New customer", segment="new")
    person(agent_user, "Key, opted out", segment="key", consent_service=False)
    calls = programme(
        quality_manager,
        kind="care_call",
        segments=["key"],
        channels=["call"],
        period_months=3,
        body_zh="",
        body_en="",
    )

    run = services.care_run(actor=quality_manager, programme=calls)

    assert (run.audience, run.calls, run.sent, run.skip_counts) == (
        2,
        1,
        0,
        {"opted_out": 1},
    )
    task = FollowUp.objects.get()
    assert (task.kind, task.customer) == ("care", key)
    assert task.status in FollowUp.OPEN_STATUSES
    assert task.source_key.startswith(f"care:{calls.pk}:")
    assert OutboxMessage.objects.count() == 0
    assert touches(calls, status="call_scheduled") == {"Key account": "call_scheduled"}

    # Again in the same quarter: nothing new; the next quarter: a new call.
    assert services.care_run(actor=quality_manager, programme=calls).calls == 0
    travel.move_to(date(2026, 4, 2))
    assert services.care_run(actor=quality_manager, programme=calls).calls == 1
    assert FollowUp.objects.count() == 2


# --- Preview, run, outbox, idempotency -------------------------------------------------------


def test_preview_numbers_equal_the_run_numbers(
    quality_manager, agent_user, manager_user, fridge, travel
):
    for index in range(3):
        owner = person(agent_user, f"Fine {index}")
        installed(agent_user, owner, fridge, f"R{index}", date(2025, 6, 1))
    gone = person(agent_user, "Gone")
    installed(agent_user, gone, fridge, "R9", date(2025, 6, 1))
    anonymise(gone, manager_user)
    silent = person(agent_user, "Silent", phones=[])
    installed(agent_user, silent, fridge, "R8", date(2025, 6, 1))
    recall = programme(quality_manager, kind="recall", product_models=[fridge])

    preview = services.care_preview(recall)
    assert CareRun.objects.count() == 0
    run = services.care_run(actor=quality_manager, programme=recall)

    assert (run.audience, run.sent + run.calls, run.skip_counts) == (
        preview["audience"],
        preview["will_send"],
        preview["will_skip"],
    )
    assert run.skipped == sum(preview["will_skip"].values()) == 2
    again = services.care_preview(recall)
    assert again["will_send"] == 0
    assert again["will_skip"] == {"already_sent": 3, "no_contact": 1, "anonymised": 1}


def test_run_twice_sends_nothing_twice_and_messages_leave_through_the_outbox(
    quality_manager, agent_user, fridge, travel, django_capture_on_commit_callbacks
):
    sms = person(agent_user, "By SMS")
    by_mail = person(agent_user, "By e-mail", phones=[], email="mail@example.com")
    installed(agent_user, sms, fridge, "S1", date(2025, 6, 1))
    installed(agent_user, by_mail, fridge, "S2", date(2025, 6, 1))
    recall = programme(
        quality_manager,
        kind="recall",
        product_models=[fridge],
        channels=["sms", "email"],
        subject_zh="召回通知 {model}",
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = services.care_run(actor=quality_manager, programme=recall)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.care_run(actor=quality_manager, programme=recall)

    assert (first.sent, second.sent) == (2, 0)
    assert second.skip_counts == {"already_sent": 2}
    assert OutboxMessage.objects.count() == 2
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 2
    assert [m["to"] for m in LocmemSmsBackend.sent] == ["+8613800138000"]
    assert "By SMS您好：recall programme BCD-215 S1" in LocmemSmsBackend.sent[0]["body"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mail@example.com"]
    assert mail.outbox[0].subject == "召回通知 BCD-215"
    touch = CareTouch.objects.get(customer=by_mail)
    assert (touch.channel, touch.outbox_message.to) == ("email", "mail@example.com")


def test_messages_follow_the_portal_language_of_the_customer(
    quality_manager, agent_user, fridge, travel
):
    english = person(agent_user, "Portal user")
    Customer.objects.filter(pk=english.pk).update(
        user=UserFactory(roles=["customer"], language="en")
    )
    chinese = person(agent_user, "No portal")
    installed(agent_user, english, fridge, "L1", date(2025, 6, 1))
    installed(agent_user, chinese, fridge, "L2", date(2025, 6, 1))
    recall = programme(quality_manager, kind="recall", product_models=[fridge])
    services.care_run(actor=quality_manager, programme=recall)

    bodies = {
        t.customer.name: t.outbox_message.body
        for t in CareTouch.objects.select_related("customer", "outbox_message")
    }
    assert bodies["Portal user"].startswith("Dear Portal user: recall programme")
    assert bodies["No portal"].startswith("No portal您好：")


def test_an_inactive_programme_does_not_run_and_agents_cannot_run(
    quality_manager, agent_user, travel
):
    info = programme(quality_manager, kind="information", active=False)
    with pytest.raises(InvalidTransition):
        services.care_run(actor=quality_manager, programme=info)
    services.care_programme_update(actor=quality_manager, programme=info, active=True)
    with pytest.raises(PermissionDenied):
        services.care_run(actor=agent_user, programme=info)
    assert CareRun.objects.count() == 0


# --- The daily sweep ----------------------------------------------------------------------------


def test_sweep_runs_what_is_due_and_twice_sends_nothing_more(
    quality_manager, agent_user, fridge, travel
):
    owner = person(agent_user, "Owner", consent_marketing=True)
    installed_ending_on(agent_user, owner, fridge, "W1", TODAY + timedelta(days=30))
    programme(quality_manager, kind="warranty_expiry")
    programme(quality_manager, kind="information", name="Unscheduled")  # by hand only
    programme(quality_manager, kind="information", name="Scheduled", starts_on=TODAY)
    programme(
        quality_manager,
        kind="warranty_expiry",
        name="Ended",
        ends_on=TODAY - timedelta(1),
    )

    assert services.care_sweep(now=NOW) == 2
    assert services.care_sweep(now=NOW) == 0
    assert care_sweep_task.delay().get() == 0

    assert OutboxMessage.objects.count() == 2
    ran = list(CareRun.objects.values_list("programme__name", flat=True))
    assert sorted(ran) == ["Scheduled", "warranty_expiry programme"]  # no empty runs
    jobs = JobRun.objects.filter(name="care_programmes")
    assert jobs.count() == 3
    assert list(jobs.values_list("status", "items").order_by("pk")) == [
        ("succeeded", 2),
        ("succeeded", 0),
        ("succeeded", 0),
    ]


def test_sweep_runs_a_care_call_once_per_period(quality_manager, agent_user, travel):
    person(agent_user, "Key", segment="key")
    programme(
        quality_manager,
        kind="care_call",
        segments=["key"],
        channels=["call"],
        period_months=1,
    )
    assert services.care_sweep(now=NOW) == 1
    travel.shift(timedelta(days=1))
    services.care_sweep(now=NOW + timedelta(days=1))
    assert CareRun.objects.count() == 1  # not due again this month
    travel.move_to(date(2026, 4, 1))
    from django.utils import timezone

    assert services.care_sweep(now=timezone.now()) == 1
    assert FollowUp.objects.filter(kind="care").count() == 2


def test_the_care_sweep_command(quality_manager, agent_user, fridge, travel):
    from django.core.management import call_command

    owner = person(agent_user, "Owner")
    installed(agent_user, owner, fridge, "C1", date(2025, 6, 1))
    programme(quality_manager, kind="recall", product_models=[fridge])
    call_command("care_sweep")
    assert OutboxMessage.objects.count() == 1


# --- Timeline ------------------------------------------------------------------------------------


def test_every_campaign_contact_and_skip_is_on_the_customer_timeline(
    quality_manager, agent_user, fridge, travel
):
    owner = person(agent_user, "Owner", consent_marketing=False)
    installed(agent_user, owner, fridge, "T1", date(2025, 6, 1))
    recall = programme(
        quality_manager, kind="recall", product_models=[fridge], name="Door hinge"
    )
    info = programme(quality_manager, kind="information", name="New models")
    services.care_run(actor=quality_manager, programme=recall)
    services.care_run(actor=quality_manager, programme=info)

    entries = [
        e
        for e in archive_selectors.customer_timeline(customer=owner)
        if e["kind"] == "care"
    ]
    assert {(e["title"].split(" · ")[1], str(e["status"])) for e in entries} == {
        ("Door hinge", "Sent"),
        ("New models", "Skipped: No marketing consent"),
    }
    assert all(e["url"] for e in entries)


# --- Set-based --------------------------------------------------------------------------------


def _bulk_audience(count: int, model) -> None:
    """Reachable customers with marketing consent, each owning one product whose
    warranty ends in 10 days and whose six-monthly maintenance is due in 5 days."""
    for _index in range(count):
        owner = CustomerFactory(consent_marketing=True)
        CustomerPhoneFactory(customer=owner)
        OwnedProductFactory(
            customer=owner,
            model=model,
            sale_date=date(2025, 9, 1),
            installation_date=date(2025, 9, 7),
            validity_end=TODAY + timedelta(days=10),
        )


def _queries_of_a_run(actor, prog) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.care_run(actor=actor, programme=prog)
    return len(queries)


@pytest.mark.parametrize(
    "kind", ["recall", "information", "warranty_expiry", "maintenance_due"]
)
def test_a_run_takes_the_same_number_of_queries_for_5_and_50_customers(
    quality_manager, travel, kind
):
    small_model = ProductModelFactory(maintenance_interval_months=6)
    large_model = ProductModelFactory(maintenance_interval_months=6)
    _bulk_audience(5, small_model)
    _bulk_audience(50, large_model)
    small = programme(quality_manager, kind=kind, product_models=[small_model])
    large = programme(quality_manager, kind=kind, product_models=[large_model])
    quality_manager.role_names  # noqa: B018  (roles cached, as in a request)

    small_queries = _queries_of_a_run(quality_manager, small)
    large_queries = _queries_of_a_run(quality_manager, large)

    assert CareTouch.objects.filter(programme=small, status="sent").count() == 5
    assert CareTouch.objects.filter(programme=large, status="sent").count() == 50
    assert OutboxMessage.objects.count() == 55
    assert small_queries == large_queries, (small_queries, large_queries)
    assert small_queries < 20, small_queries
