"""Reads of the standards app: the standard tree, versions, acknowledgements, reviews,
legal rule sets, the business calendar of a unit, and the service-standard resolver."""

from __future__ import annotations

import calendar as pycalendar
import re
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from aftersales import permissions
from aftersales.models import Unit, User
from standards import calendar as business_calendar
from standards import resolver
from standards.models import (
    Acknowledgement,
    Assessment,
    AssessmentFramework,
    BusinessCalendar,
    CalendarOverride,
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)
from standards.workflow import APPROVERS

# --- Documents and versions -------------------------------------------------------------------


def standard_list(*, kind: str = "", q: str = "") -> QuerySet[StandardDocument]:
    """Standard documents with their versions and related standards loaded (3 queries)."""
    documents = StandardDocument.objects.select_related(
        "owner_unit", "owner"
    ).prefetch_related(
        "related",
        Prefetch(
            "versions",
            queryset=StandardVersion.objects.only(
                "id",
                "document_id",
                "version",
                "status",
                "effective_from",
                "next_review_due",
            ).order_by("-version"),
        ),
    )
    if kind:
        documents = documents.filter(kind=kind)
    if q:
        documents = documents.filter(Q(code__icontains=q) | Q(title__icontains=q))
    return documents.order_by("kind", "code")


def standard_tree(*, kind: str = "", q: str = "") -> list[dict]:
    """The standard system grouped by kind, in the order of StandardDocument.Kind."""
    documents = list(standard_list(kind=kind, q=q))
    return [
        {
            "kind": value,
            "label": label,
            "documents": [d for d in documents if d.kind == value],
        }
        for value, label in StandardDocument.Kind.choices
    ]


def standard_get(*, pk: int) -> StandardDocument:
    """One standard document with its owner and related standards (404 when absent)."""
    return get_object_or_404(
        StandardDocument.objects.select_related("owner_unit", "owner").prefetch_related(
            "related"
        ),
        pk=pk,
    )


def version_list(
    *, document: StandardDocument | None = None
) -> QuerySet[StandardVersion]:
    """Versions (of one document), newest first, with what lists show."""
    versions = StandardVersion.objects.select_related(
        "document", "author", "approved_by"
    ).annotate(acknowledged=Count("acknowledgements"))
    if document is not None:
        versions = versions.filter(document=document)
    return versions.order_by("document__code", "-version")


def version_get(*, pk: int) -> StandardVersion:
    """One version with its document (404 when absent)."""
    return get_object_or_404(
        StandardVersion.objects.select_related(
            "document__owner",
            "document__owner_unit",
            "author",
            "approved_by",
            "scope_unit",
        ),
        pk=pk,
    )


def effective_version(*, document: StandardDocument) -> StandardVersion | None:
    """The document's version in force now, if any."""
    return document.versions.effective().first()


def change_request_list(
    *, document: StandardDocument | None = None
) -> QuerySet[ChangeRequest]:
    """Change requests, newest first."""
    requests = ChangeRequest.objects.select_related(
        "document", "raised_by", "decided_by", "implemented_by"
    )
    return requests.filter(document=document) if document is not None else requests


def change_request_get(*, pk: int) -> ChangeRequest:
    """One change request (404 when absent)."""
    return get_object_or_404(change_request_list(), pk=pk)


def standard_approvers(*, exclude: int | None = None) -> QuerySet[User]:
    """Active quality managers and managers (who may approve versions)."""
    people = User.objects.filter(is_active=True, groups__name__in=APPROVERS).distinct()
    return people.exclude(pk=exclude) if exclude else people


# --- Reviews ----------------------------------------------------------------------------------


def reviews_overdue(*, today: date) -> QuerySet[StandardVersion]:
    """Effective versions whose review date has come (domain §4, A25)."""
    return (
        StandardVersion.objects.review_due_by(today)
        .select_related("document__owner")
        .order_by("next_review_due")
    )


def reviews_due_soon(*, today: date, days: int = 60) -> QuerySet[StandardVersion]:
    """Effective versions due for review within `days` (not yet overdue)."""
    return (
        StandardVersion.objects.effective()
        .filter(
            next_review_due__gt=today,
            next_review_due__lte=date.fromordinal(today.toordinal() + days),
        )
        .select_related("document__owner")
        .order_by("next_review_due")
    )


# --- Acknowledgements -------------------------------------------------------------------------


def _ancestor_paths(unit_paths: list[str]) -> set[str]:
    """Every prefix path of the given unit paths ("/1/4/" → {"/1/", "/1/4/"})."""
    prefixes = set()
    for path in unit_paths:
        parts = [p for p in path.split("/") if p]
        prefixes.update("/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return prefixes


def versions_to_acknowledge(*, user: User) -> QuerySet[StandardVersion]:
    """Effective versions `user` must acknowledge and has not: every service standard for all
    staff; other kinds for the members of the owning unit's subtree."""
    if not user.is_staff_member:
        return StandardVersion.objects.none()
    paths = list(
        Unit.objects.filter(memberships__user=user).values_list("path", flat=True)
    )
    applies = Q(document__kind=StandardDocument.Kind.SERVICE) | Q(
        document__owner_unit__path__in=_ancestor_paths(paths)
    )
    return (
        StandardVersion.objects.effective()
        .filter(applies)
        .exclude(acknowledgements__user=user)
        .select_related("document")
        .order_by("document__code")
    )


def acknowledgement_gaps(*, version: StandardVersion, viewer: User) -> QuerySet[User]:
    """Staff who must acknowledge `version` and have not, within what `viewer` supervises
    (managers: everyone)."""
    staff = User.objects.filter(
        is_active=True, groups__name__in=permissions.ACKNOWLEDGERS
    )
    if version.document.kind != "service":
        staff = staff.filter(
            memberships__unit__path__startswith=version.document.owner_unit.path
        )
    if not permissions.sees_company_wide(viewer):
        staff = staff.filter(
            memberships__unit__in=permissions.units_overseen(user=viewer)
        )
    acknowledged = Acknowledgement.objects.filter(version=version, user=OuterRef("pk"))
    return (
        staff.exclude(Exists(acknowledged))
        .distinct()
        .prefetch_related("memberships__unit")
        .order_by("username")
    )


# --- Legal rule sets --------------------------------------------------------------------------


def legal_rule_set_list() -> QuerySet[LegalRuleSet]:
    """All legal rule sets, newest version first within a code."""
    return LegalRuleSet.objects.all()


def legal_rule_sets_for_validation() -> dict[str, dict]:
    """{code: {"name", "parameters", "citations"}} of the newest active version per code."""
    result: dict[str, dict] = {}
    for rule_set in LegalRuleSet.objects.filter(is_active=True).order_by(
        "code", "-version"
    ):
        result.setdefault(
            rule_set.code,
            {
                "name": rule_set.name,
                "parameters": rule_set.parameters,
                "citations": rule_set.citations,
            },
        )
    return result


# --- Business calendar ------------------------------------------------------------------------

DEFAULT_CALENDAR = business_calendar.Calendar()


def calendar_for_unit(*, unit: Unit | None) -> business_calendar.Calendar:
    """The business calendar of `unit`: its own working hours, else its nearest ancestor's,
    else the company default; with the company's and these units' day overrides (2 queries)."""
    paths = _ancestor_paths([unit.path]) if unit is not None else set()
    rows = list(
        BusinessCalendar.objects.filter(Q(unit__isnull=True) | Q(unit__path__in=paths))
        .select_related("unit")
        .order_by("pk")
    )
    row = max(rows, key=lambda r: r.unit.path.count("/") if r.unit else 0, default=None)
    rows_overrides = CalendarOverride.objects.filter(
        Q(unit__isnull=True) | Q(unit__path__in=paths)
    ).select_related("unit")
    # The nearest unit's day wins: company first, then each deeper unit over it.
    overrides = {
        o.day: o.is_working
        for o in sorted(
            rows_overrides, key=lambda o: o.unit.path.count("/") if o.unit else 0
        )
    }
    if row is None:
        return business_calendar.Calendar(overrides=overrides)
    return business_calendar.Calendar(
        timezone=row.timezone,
        day_start=row.day_start,
        day_end=row.day_end,
        workdays=frozenset(row.workdays or DEFAULT_CALENDAR.workdays),
        follows_statutory_holidays=row.follows_statutory_holidays,
        overrides=overrides,
    )


def calendar_month_days(
    *, calendar: business_calendar.Calendar, year: int, month: int
) -> list:
    """Every day of a month with its status, for the calendar page."""
    return [
        {
            "date": day,
            "in_month": day.month == month,
            "working": business_calendar.is_working_day(calendar, day),
            "statutory": business_calendar.statutory_status(day),
            "override": calendar.overrides.get(day),
        }
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        for day in week
    ]


def business_calendar_list() -> QuerySet[BusinessCalendar]:
    """Working hours of every unit that has its own, and the company default."""
    return BusinessCalendar.objects.select_related("unit").order_by("name")


def calendar_override_list(*, year: int | None = None) -> QuerySet[CalendarOverride]:
    """Day overrides (of one year), by date."""
    overrides = CalendarOverride.objects.select_related("unit").order_by("day")
    return overrides.filter(day__year=year) if year else overrides


# --- The resolver -----------------------------------------------------------------------------


def service_standard_resolve(
    *,
    category: str = "",
    channel: str = "",
    unit: Unit | None = None,
    at: datetime | None = None,
) -> StandardVersion | None:
    """The service-standard version that applies to a case of this product category,
    channel and unit at `at` (default now): the most specific scope among the versions in
    force that day (standards.resolver). Tickets pin the result."""
    day = timezone.localdate(at or timezone.now())
    rows = list(
        StandardVersion.objects.in_force_on(day)
        .filter(document__kind=StandardDocument.Kind.SERVICE)
        .select_related("scope_unit")
    )
    picked = resolver.pick(
        [
            resolver.Candidate(
                version_id=row.pk,
                category=row.scope_category,
                channel=row.scope_channel,
                unit_path=row.scope_unit.path if row.scope_unit else "",
                effective_from=row.effective_from,
                version=row.version,
            )
            for row in rows
        ],
        category=category,
        channel=channel,
        unit_path=unit.path if unit is not None else "",
    )
    if picked is None:
        return None
    return next(row for row in rows if row.pk == picked.version_id)


# --- GB/T 27922 self-assessment ---------------------------------------------------------------


def assessment_framework() -> AssessmentFramework | None:
    """The seeded framework (GB/T 27922)."""
    return AssessmentFramework.objects.order_by("pk").first()


def assessment_tree(*, framework: AssessmentFramework) -> list[dict]:
    """The indicator tree: first-level indicators, each with its second-level ones, each
    with its third-level items (one query)."""
    rows = list(framework.indicators.order_by("position", "pk"))
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return [
        {
            "indicator": top,
            "children": [
                {"indicator": second, "items": children.get(second.pk, [])}
                for second in children.get(top.pk, [])
            ],
        }
        for top in children.get(None, [])
    ]


def assessment_list(*, framework: AssessmentFramework) -> QuerySet[Assessment]:
    """The framework's assessments, the latest year first."""
    return framework.assessments.select_related("created_by").order_by("-year")


def assessment_get(*, pk: int) -> Assessment:
    """One assessment with its framework (404 otherwise)."""
    return get_object_or_404(Assessment.objects.select_related("framework"), pk=pk)


_ARTICLE = re.compile(r"^(?P<law>.*?) Art\. (?P<number>\d+)$")


def citation_text(citation: str) -> str:
    """A stored legal citation ("<instrument[ Art. n]>: <explanation>", as the rule sets
    are seeded, standards/legal_data.py) in the reader's language: the explanation and
    the article translated, the instrument's own name kept. A citation a company wrote
    itself is shown as written when no translation has it."""
    source, sep, explanation = citation.partition(": ")
    if not sep:
        return gettext(citation) if citation else ""
    if match := _ARTICLE.match(source):
        source = f"{match['law']} " + gettext("Art. %(number)s") % {
            "number": match["number"]
        }
    return gettext("%(source)s: %(explanation)s") % {
        "source": source,
        "explanation": gettext(explanation),
    }
