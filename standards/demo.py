"""Demo standards: the company's standard system with an effective after-sales service
standard (Haier-style commitments), a revision in review, standards of the other four kinds
(one overdue for review; the workshop's review falls due this month and its revision,
approved today, answers it in time), working hours and a change request. Idempotent."""

import copy
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from aftersales.models import Unit, User
from standards import services
from standards.models import BusinessCalendar, StandardDocument
from standards.parameters import DEFAULT_SERVICE_PARAMETERS
from standards.workflow import VersionAction

SERVICE_CODE = "Q/ACME 001"

SERVICE_CLAUSES = """\
1 Scope: after-sales service of all ACME household appliances sold in China.
2 First responsibility: whoever first receives a case owns it until it is closed.
3 Response: P1 cases are acknowledged within 0.5 h, P2 within 2 h, P3 within 24 h.
4 On site: within 24 h in urban areas and 72 h in rural areas.
5 Resolution: P1 within 48 h, P2 within 72 h, P3 within 168 h.
6 Follow-up: every repair and complaint is followed up 3 to 72 h after resolution.
7 Conduct: show ID, open fee schedule, shoe covers, floor cloth, clean up, demonstrate.
8 Three controls: complaint, omission and dissatisfaction rates stay under their ceilings."""

OTHER_STANDARDS = [
    # code, title, kind, owner unit, effective from (None: one review cycle before the end
    # of this month, so its review falls due this month), clauses
    ("Q/ACME 101", "Front-loading washing machine product standard", "product", "production",
     date(2025, 3, 1), "1 Noise below 52 dB(A) in washing.\n2 Leak test on every unit."),
    ("Q/ACME 201", "Repair workshop process standard", "process", "sh-workshop",
     None, "1 Diagnose within 48 h of acceptance.\n2 Record parts and time."),
    ("Q/ACME 301", "Complaint handling management standard", "management", "qa",
     date(2025, 1, 1), "1 Every complaint has one accountable owner.\n2 Monthly review."),
    ("Q/ACME 401", "Hotline agent work standard", "work", "sh-hotline",
     date(2023, 6, 1), "1 Greet, verify, record every call.\n2 Never promise what the "
     "standard does not allow."),
]  # fmt: skip


def _effective(document, author, approver, effective_from, **fields):
    version = services.standard_version_draft(
        document=document, actor=author, effective_from=effective_from, **fields
    )
    services.standard_version_transition(
        version=version, action=VersionAction.SUBMIT, actor=author
    )
    services.standard_version_transition(
        version=version, action=VersionAction.APPROVE, actor=approver
    )
    return version


def _reviewed_this_month(document, author, approver, clauses, today) -> None:
    """A standard whose review falls due on the last day of this month (in force for one
    review cycle), reviewed in time: its revision is approved and effective today."""
    month_end = services.add_months(today.replace(day=1), 1) - timedelta(days=1)
    _effective(
        document, author, approver,
        services.add_months(month_end, -services.REVIEW_CYCLE_MONTHS), parameters={},
        body=clauses, next_review_due=month_end,
    )  # fmt: skip
    _effective(
        document, author, approver, today, parameters={},
        body=f"{clauses}\n3 Record each part replaced by its serial number.",
        change_summary="Review: parts recorded by serial number.",
    )  # fmt: skip


@transaction.atomic
def load(stdout=None) -> None:
    """Create the demo standard system (skipped when it exists)."""
    services.legal_rule_sets_seed()
    quality = User.objects.get(username="quality")
    manager = User.objects.get(username="manager")
    units = {unit.code: unit for unit in Unit.objects.all()}
    if not BusinessCalendar.objects.filter(unit__isnull=True).exists():
        services.business_calendar_save(
            actor=manager, unit=None, name="Company office hours", day_start=time(9),
            day_end=time(18), workdays=[0, 1, 2, 3, 4],
        )  # fmt: skip
        services.business_calendar_save(
            actor=manager, unit=units["sh-hotline"], name="Hotline 08:00–20:00, every day",
            day_start=time(8), day_end=time(20), workdays=list(range(7)),
            follows_statutory_holidays=False,
        )  # fmt: skip
    if StandardDocument.objects.filter(code=SERVICE_CODE).exists():
        return
    service = services.standard_document_create(
        actor=manager, code=SERVICE_CODE, title="After-sales service standard",
        kind="service", owner_unit=units["qa"], owner=quality,
        description="The company's commitments to customers; the yardstick of every deadline "
        "and KPI.",
    )  # fmt: skip
    first = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    first["sla"]["onsite"]["urban"] = 48
    _effective(
        service, quality, manager, date(2023, 1, 1), parameters=first, body=SERVICE_CLAUSES,
        change_summary="First edition.",
    )  # fmt: skip
    # Approved about 34 months before today's demo date: its 36-month review comes up soon.
    _effective(
        service, quality, manager, date(2024, 1, 15), parameters=DEFAULT_SERVICE_PARAMETERS,
        change_summary="On-site commitment in urban areas tightened from 48 h to 24 h.",
    )  # fmt: skip
    revision = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    revision["sla"]["onsite"]["rural"] = 48
    draft = services.standard_version_draft(
        document=service, actor=quality, effective_from=date(timezone.localdate().year + 1, 1, 1),
        parameters=revision, change_summary="Rural on-site commitment from 72 h to 48 h.",
    )  # fmt: skip
    services.standard_version_transition(
        version=draft, action=VersionAction.SUBMIT, actor=quality
    )
    today = timezone.localdate()
    for code, title, kind, owner_unit, effective_from, clauses in OTHER_STANDARDS:
        document = services.standard_document_create(
            actor=manager, code=code, title=title, kind=kind, owner_unit=units[owner_unit],
            owner=quality,
        )  # fmt: skip
        if effective_from is None:
            _reviewed_this_month(document, quality, manager, clauses, today)
        else:
            _effective(
                document, quality, manager, effective_from, parameters={}, body=clauses
            )
        document.related.add(service)
    services.change_request_raise(
        document=service, actor=User.objects.get(username="agent"),
        title="Offer evening installation slots",
        proposed_change="Add 18:00–21:00 installation appointments on weekdays.",
        rationale="Many working customers asked for evening slots in follow-up calls.",
        evidence_links=["Follow-up comments, Q3"],
    )  # fmt: skip
    for username in ("agent", "technician", "supervisor"):
        services.acknowledgement_create(
            version=service.versions.effective().get(),
            user=User.objects.get(username=username),
        )
    services.standard_review_sweep(today=timezone.localdate())
    if stdout:
        stdout.write(
            "  standards: 5 standards, service standard effective, 1 revision in review, "
            "the workshop's standard reviewed this month"
        )
