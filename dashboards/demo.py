"""Demo data of the dashboards, loaded last: the GB/T 27922 items (two under each
second-level indicator) with last year's completed self-assessment and this year's draft;
and the KPI breach sweep over the demo's previous month, so the improvement actions of the
breached KPIs exist. Idempotent (items and assessments are skipped when they exist; the
sweep runs once)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from aftersales.models import User
from dashboards import services
from feedback.models import ImprovementAction
from standards import selectors as standard_selectors
from standards import services as standard_services

ITEMS = {
    "1.1": ["A service department with its own head", "Service duties written down"],
    "1.2": ["Service staff per 10,000 products in service", "Staff trained every year"],
    "1.3": ["Service points within 50 km of customers", "Spare parts kept for 7 years"],
    "1.4": ["Service standard published", "Fee schedule published"],
    "1.5": ["Standards reviewed on time", "On-site conduct checked"],
    "1.6": ["Breaches answered by improvement actions", "Quality notices acknowledged"],
    "1.7": ["Service values known to staff", "Service awards"],
    "2.1": ["Manuals in Chinese", "Warranty terms shown at sale"],
    "2.2": ["Hotline answered in working hours", "Online help"],
    "2.3": ["Delivery on the promised day", "Installation by certified staff"],
    "2.4": ["Repairs fixed first time", "Repair records kept"],
    "2.5": ["三包 honoured", "Recourse against suppliers"],
    "2.6": ["Old products taken back", "Take-back recorded"],
    "3.1": ["Follow-up after every repair", "Customer archive kept"],
    "3.2": ["Complaints acknowledged within a day", "Every complaint answered"],
}


def _items(actor) -> None:
    framework = standard_selectors.assessment_framework()
    if framework is None or framework.indicators.filter(level=3).exists():
        return
    for second in framework.indicators.filter(level=2).order_by("position"):
        for index, name in enumerate(ITEMS.get(second.code, []), start=1):
            standard_services.assessment_item_add(
                parent=second, actor=actor, code=f"{second.code}.{index}", name=name,
                max_points=Decimal(10 if index == 1 else 5),
            )  # fmt: skip


def _assessments(actor) -> None:
    framework = standard_selectors.assessment_framework()
    if framework is None or framework.assessments.exists():
        return
    year = timezone.localdate().year
    last = standard_services.assessment_start(
        framework=framework, year=year - 1, actor=actor
    )
    scores = {}
    for index, row in enumerate(last.scores.select_related("indicator").order_by("pk")):
        top = row.indicator.max_points
        scores[row.pk] = {
            "applicable": row.indicator.code != "2.6.2",
            "points": top - (2 if index % 4 == 0 else 0),
            "evidence": "Records of the year",
        }
    standard_services.assessment_record(
        assessment=last, actor=actor, scores=scores, special_deductions=1,
        deduction_notes="A complaint escalated to 12315.",
    )  # fmt: skip
    standard_services.assessment_complete(assessment=last, actor=actor)
    standard_services.assessment_start(framework=framework, year=year, actor=actor)


def load(stdout=None) -> None:
    quality = User.objects.filter(username="quality").first()
    if quality is not None:
        _items(quality)
        _assessments(quality)
    # The nightly roll-up has run (the dashboard reads its facts for the days before today).
    services.kpi_rollup_catch_up(now=timezone.now())
    # Swept once (a second load would only log another run of the job).
    opened = 0
    if not ImprovementAction.objects.exclude(kpi_key="").exists():
        opened = services.kpi_breach_sweep(now=timezone.now())
    if stdout:
        stdout.write(
            f"  dashboards: self-assessment items and years, {opened} improvement "
            "action(s) for last month's breaches"
        )
