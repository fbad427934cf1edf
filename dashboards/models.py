"""The KPI roll-up: settled facts per day × unit × person × product model × channel × case
type, written by the nightly `kpi-rollup` job (dashboards.services.kpi_rollup) and read by
the measures for the days it holds (dashboards.measures); the days not rolled up (today,
or any day the job has not reached) are counted live from the cases.

Only counters that do not change once their day is over are rolled up: the cases opened
(complaints, repairs, repeat repairs), the follow-ups of cases completed (results, CSAT,
NPS) and the 三包 exceptions recorded; summed per day and unit (KpiUnitFact) for the
reports without a person, model, channel or type filter; and the cases per model and fault
code (KpiFaultFact) for the Pareto. Everything that moves with later work (SLA clocks,
responses, resolutions, backlog, follow-up work, contacts) stays live."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The counters a fact row holds, by the measure that counts them (dashboards.measures).
SETTLED_COUNTERS = {
    "cases_opened": ("opened", "complaints", "repairs", "repeat_30", "repeat_90"),
    "followup_outcomes": (
        "completed", "satisfied", "dissatisfied", "csat_answers", "csat_points",
        "nps_answers", "promoters", "detractors",
    ),
    "legal_exceptions": ("windows", "limits"),
}  # fmt: skip


class KpiCounters(models.Model):
    """The settled counters (SETTLED_COUNTERS), 0 by default in the database: each
    source's INSERT … SELECT fills its own."""

    opened = models.IntegerField(db_default=0)
    complaints = models.IntegerField(db_default=0)
    repairs = models.IntegerField(db_default=0)
    repeat_30 = models.IntegerField(db_default=0)
    repeat_90 = models.IntegerField(db_default=0)
    completed = models.IntegerField(db_default=0)
    satisfied = models.IntegerField(db_default=0)
    dissatisfied = models.IntegerField(db_default=0)
    csat_answers = models.IntegerField(db_default=0)
    csat_points = models.IntegerField(db_default=0)
    nps_answers = models.IntegerField(db_default=0)
    promoters = models.IntegerField(db_default=0)
    detractors = models.IntegerField(db_default=0)
    windows = models.IntegerField(db_default=0)
    limits = models.IntegerField(db_default=0)

    class Meta:
        abstract = True


class KpiFact(KpiCounters):
    """One day's settled counters of one combination of unit, person (a case's first
    owner), product model, channel and case type. Plain integer keys, no foreign keys:
    a fact outlives nothing it names and is rewritten whole for its day."""

    day = models.DateField(_("day"))
    unit_id = models.BigIntegerField(null=True)
    person_id = models.BigIntegerField(null=True)
    product_model_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=20, blank=True)
    case_type = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("KPI fact")
        verbose_name_plural = _("KPI facts")
        indexes = [models.Index(fields=["day", "unit_id"], name="kpifact_day_unit_idx")]

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} person {self.person_id}"


class KpiUnitFact(KpiCounters):
    """The same counters per day and unit only (summed from KpiFact when a day is rolled
    up): what a report without a person, model, channel or type filter reads, a few rows
    a day instead of one per combination."""

    day = models.DateField(_("day"))
    unit_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("KPI unit fact")
        verbose_name_plural = _("KPI unit facts")
        indexes = [
            models.Index(fields=["day", "unit_id"], name="kpiunitfact_day_unit_idx")
        ]

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id}"


class KpiFaultFact(models.Model):
    """Cases opened per day, unit, product model and fault code (those with a product and
    a fault code): the fault-code Pareto for the days held, when no person, channel or
    case type is asked for."""

    day = models.DateField(_("day"))
    unit_id = models.BigIntegerField(null=True)
    product_model_id = models.BigIntegerField(null=True)
    fault_code = models.CharField(max_length=50)
    cases = models.IntegerField(db_default=0)

    class Meta:
        verbose_name = _("KPI fault fact")
        verbose_name_plural = _("KPI fault facts")
        indexes = [
            models.Index(fields=["day", "unit_id"], name="kpifaultfact_day_unit_idx")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_model_id} {self.fault_code}"


class KpiRollupDay(models.Model):
    """A day the roll-up holds (its facts are complete for that day), and when it was
    rolled up. The measures read facts only for the days listed here."""

    day = models.DateField(_("day"), unique=True)
    rolled_at = models.DateTimeField(_("rolled up at"))

    class Meta:
        verbose_name = _("KPI roll-up day")
        verbose_name_plural = _("KPI roll-up days")
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)
