"""Who may do what (domain §3): every role set and permission predicate, in one place.

The roles themselves are defined in `aftersales.roles` (the `Role` choices, the groups and
their Django permissions). This module names the sets of roles by what they allow and the
predicates that answer "may this person …?", so services, selectors, views, the API, the
menu and templates (through the `permissions` template library) read one rule.

The "who sees what" rule every `visible_to(user)` queryset shares lives here too
(`visible_subset`): company-wide roles see everything, other staff what their units and
work give them, anyone else signed in only their own rows, anonymous visitors nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q, QuerySet

from aftersales.models import Membership, Unit, User
from aftersales.roles import MANAGING_ROLES, STAFF_ROLES, Role

__all__ = [
    "ACKNOWLEDGERS",
    "CALENDAR_KEEPERS",
    "CARE_MANAGERS",
    "CARE_OWNERS",
    "CLAIM_WORKERS",
    "COMPANY_WIDE",
    "COMPENSATION_APPROVERS",
    "FIELD_WORKERS",
    "FOLLOWUP_ACTORS",
    "MANAGERS",
    "OVERSEERS",
    "QUALITY_REVIEWERS",
    "QUESTIONNAIRE_EDITORS",
    "STAFF",
    "STANDARD_APPROVERS",
    "STANDARD_EDITORS",
    "UNREACHABLE_CLOSERS",
    "can_act_on_followups",
    "can_approve_compensation",
    "can_approve_standards",
    "can_close_unreachable",
    "can_edit_questionnaires",
    "can_edit_standards",
    "can_manage_archives",
    "can_manage_care",
    "can_review_quality",
    "can_skip_compensation_approval",
    "can_work_on_claims",
    "is_manager",
    "is_staff",
    "oversees",
    "sees_acknowledgement_gaps",
    "sees_company_wide",
    "sees_job_runs",
    "supervised_unit_paths",
    "unit_scope",
    "supervised_units",
    "supervises",
    "supervisors_of",
    "supervisors_over",
    "units_overseen",
    "visible_subset",
]

# --- Role sets, named for what they allow ---------------------------------------------------

# Everyone of the service organisation (every role but customer).
STAFF = STAFF_ROLES
# See every archive, case, follow-up and feedback item, the job runs and every unit's
# acknowledgement gaps; serve customers of any branch.
COMPANY_WIDE = frozenset({Role.MANAGER, Role.QUALITY_MANAGER, Role.ADMIN})
# Managers and administrators: decide offers and approve compensation anywhere, move first
# ownership and set unit queues anywhere, anonymise archives, read the archive access log,
# see everyone's imports.
MANAGERS = MANAGING_ROLES
# See the dashboard and who has not acknowledged an effective standard.
OVERSEERS = frozenset({Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Draft and edit standards, business calendars and change requests.
STANDARD_EDITORS = frozenset({Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Review and approve standard versions.
STANDARD_APPROVERS = frozenset({Role.QUALITY_MANAGER, Role.MANAGER})
# Acknowledge effective standards (administrators are not asked).
ACKNOWLEDGERS = STAFF - {Role.ADMIN}
# Are told when a year is missing from the business calendar.
CALENDAR_KEEPERS = frozenset({Role.QUALITY_MANAGER, Role.ADMIN})
# Edit follow-up questionnaires.
QUESTIONNAIRE_EDITORS = frozenset({Role.QUALITY_MANAGER, Role.ADMIN})
# Verify improvement actions, answer quality notices for any unit, do QA re-calls.
QUALITY_REVIEWERS = frozenset({Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Carry out follow-ups (call, record attempts and answers).
FOLLOWUP_ACTORS = frozenset(
    {Role.FOLLOWUP_AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}
)
# Close the case of an unreachable customer with a note (domain §6 close guard).
UNREACHABLE_CLOSERS = frozenset({Role.SUPERVISOR, Role.MANAGER})
# Manage care programmes.
CARE_MANAGERS = frozenset(
    {Role.QUALITY_MANAGER, Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}
)
# May own a care programme.
CARE_OWNERS = frozenset({Role.QUALITY_MANAGER, Role.MANAGER, Role.SUPERVISOR})
# Work on recourse claims (and see the recourse menu).
CLAIM_WORKERS = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN}
)
# Record compensation above the approval threshold without asking anyone; of them,
# supervisors approve others' compensation only within their units' subtrees.
COMPENSATION_APPROVERS = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
# Do field and workshop work: technicians, and supervisors and agents who stand in.
FIELD_WORKERS = frozenset({Role.TECHNICIAN, Role.SUPERVISOR, Role.AGENT})
# The case table's roles (tickets/workflow.py): who acknowledges, starts, cancels…
CASE_STAFF = frozenset(
    {Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}
)
# … who pauses, resumes and resolves (with CASE_LEADS) …
CASE_WORKERS = frozenset({Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})
# … who closes and reopens (the follow-up agent closes after the call) …
CASE_CLOSERS = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.FOLLOWUP_AGENT, Role.MANAGER}
)
# … and who leads: supervisors, managers, administrators.
CASE_LEADS = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
# Write off a recourse claim.
CLAIM_APPROVERS = frozenset({Role.MANAGER, Role.ADMIN})


# --- Role predicates --------------------------------------------------------------------------


def _holds(user, roles: Iterable[str]) -> bool:
    """Whether a signed-in `user` holds one of `roles` (anonymous visitors hold none)."""
    return bool(user.is_authenticated and user.has_role(*roles))


def is_staff(user) -> bool:
    """Signed in as staff of the service organisation (any role but customer)."""
    return bool(user.is_authenticated and user.is_staff_member)


def sees_company_wide(user) -> bool:
    """Managers, quality managers and administrators: they see every row (domain §3)."""
    return _holds(user, COMPANY_WIDE)


def sees_job_runs(user) -> bool:
    """Who is shown the recent job runs on the home page (the company-wide roles)."""
    return sees_company_wide(user)


def sees_acknowledgement_gaps(user) -> bool:
    """Supervisors, quality managers, managers and administrators see who has not
    acknowledged an effective standard (within what they oversee)."""
    return _holds(user, OVERSEERS)


def is_manager(user) -> bool:
    """Managers and administrators (they oversee every unit)."""
    return _holds(user, MANAGERS)


def can_manage_archives(user) -> bool:
    """Managers and administrators anonymise archives, read their access log and see
    every import."""
    return is_manager(user)


def can_edit_standards(user) -> bool:
    """Quality managers, managers and administrators edit standards and calendars (a
    standard's owner edits their own, which the standards services add)."""
    return _holds(user, STANDARD_EDITORS)


def can_approve_standards(user) -> bool:
    """Quality managers and managers review and approve standard versions."""
    return _holds(user, STANDARD_APPROVERS)


def can_edit_questionnaires(user) -> bool:
    """Quality managers and administrators edit follow-up questionnaires."""
    return _holds(user, QUESTIONNAIRE_EDITORS)


def can_edit_customer_messages(user) -> bool:
    """Quality managers and administrators edit the texts customers are sent at each
    step of their case."""
    return _holds(user, QUESTIONNAIRE_EDITORS)


def can_review_quality(user) -> bool:
    """Quality managers, managers and administrators verify improvement actions and answer
    quality notices for every unit."""
    return _holds(user, QUALITY_REVIEWERS)


def can_act_on_followups(user) -> bool:
    """Follow-up agents, supervisors, managers and administrators carry out follow-ups
    (which ones is `FollowUp.objects.visible_to`'s and the no-own-case rule's business)."""
    return is_staff(user) and _holds(user, FOLLOWUP_ACTORS)


def can_close_unreachable(user) -> bool:
    """Supervisors and managers close an unreachable customer's case with a note."""
    return _holds(user, UNREACHABLE_CLOSERS)


def can_manage_care(user) -> bool:
    """Quality managers, managers, supervisors and administrators manage care
    programmes."""
    return _holds(user, CARE_MANAGERS)


def can_work_on_claims(user) -> bool:
    """Agents, supervisors, quality managers, managers and administrators work on
    recourse claims."""
    return _holds(user, CLAIM_WORKERS)


def can_skip_compensation_approval(user) -> bool:
    """Supervisors, managers and administrators record compensation above the approval
    threshold without asking for approval."""
    return _holds(user, COMPENSATION_APPROVERS)


# --- Supervisors of units -------------------------------------------------------------------


def supervisors_over(*, unit: Unit) -> QuerySet[User]:
    """Active supervisors of the unit or of a unit above it (who answers for its work)."""
    return User.objects.filter(
        is_active=True,
        memberships__is_supervisor=True,
        memberships__unit_id__in=unit.lineage_ids,
    ).distinct()


def supervisors_of(*, unit_ids: Iterable[int]) -> QuerySet[User]:
    """Active supervisors of exactly these units (not of the units above them)."""
    return User.objects.filter(
        is_active=True,
        memberships__is_supervisor=True,
        memberships__unit_id__in=(
            unit_ids if isinstance(unit_ids, QuerySet) else list(unit_ids)
        ),
    ).distinct()


def supervises(*, user, units: Iterable[Unit]) -> bool:
    """Whether `user` supervises one of `units` or a unit above one of them."""
    if not user.is_authenticated:
        return False
    ids = {pk for unit in units for pk in unit.lineage_ids}
    return Membership.objects.filter(
        user=user, is_supervisor=True, unit_id__in=ids
    ).exists()


def supervised_units(user) -> QuerySet[Unit]:
    """The units `user` supervises (not the units below them)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(memberships__user=user, memberships__is_supervisor=True)


def supervised_unit_paths(user) -> list[str]:
    """The paths of the units `user` supervises (each the root of a supervised subtree)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, is_supervisor=True).values_list(
            "unit__path", flat=True
        )
    )


@dataclass(frozen=True)
class UnitScope:
    """The units a staff member works in (`member_ids`) and the units whose work they see
    (`seen_ids`: those plus every unit below a unit they supervise), as id lists, so
    that queries filter on an indexed column instead of joining memberships."""

    member_ids: tuple[int, ...]
    seen_ids: tuple[int, ...]


def unit_scope(user) -> UnitScope:
    """The user's `UnitScope`: one query, two for a supervisor."""
    if not user.is_authenticated:
        return UnitScope((), ())
    rows = list(
        Membership.objects.filter(user=user).values_list(
            "unit_id", "is_supervisor", "unit__path"
        )
    )
    member_ids = tuple(sorted(unit_id for unit_id, _, _ in rows))
    seen = set(member_ids)
    paths = [path for _, is_supervisor, path in rows if is_supervisor]
    if paths:
        below = Q()
        for path in paths:
            below |= Q(path__startswith=path)
        seen.update(Unit.objects.filter(below).values_list("pk", flat=True))
    return UnitScope(member_ids, tuple(sorted(seen)))


def oversees(*, user, units: Iterable[Unit]) -> bool:
    """Managers and administrators oversee every unit; a supervisor the units they
    supervise and every unit below them. Decides who approves compensation and offers,
    moves first ownership and sets a unit's queue."""
    return is_manager(user) or supervises(user=user, units=units)


def can_approve_compensation(*, user, unit: Unit) -> bool:
    """Managers approve any compensation; supervisors those of cases in their units'
    subtrees (a supervisor of the case's unit or of a unit above it)."""
    return oversees(user=user, units=[unit])


def units_overseen(*, user, within: QuerySet[Unit] | None = None) -> QuerySet[Unit]:
    """Every unit (of `within`, default all) that `user` oversees: all for managers and
    administrators, else the subtrees of the units they supervise."""
    units = Unit.objects.all() if within is None else within
    if is_manager(user):
        return units
    return units.subtree_of(list(supervised_units(user)))


# --- Who sees what ----------------------------------------------------------------------------

QS = TypeVar("QS", bound=QuerySet)


def visible_subset(
    queryset: QS,
    user,
    *,
    staff: Callable[[QS], QS],
    own: Callable[[QS], QS] | None = None,
) -> QS:
    """The rows of `queryset` that `user` may see (domain §3), the rule every
    `visible_to(user)` shares: company-wide roles (managers, quality managers,
    administrators) see all; other staff the rows `staff(queryset)` gives them (their
    units' subtree, their work); anyone else signed in the rows `own(queryset)` gives them
    (a customer's own), or none when the model has no such rows; anonymous visitors
    nothing."""
    if not user.is_authenticated:
        return queryset.none()
    if sees_company_wide(user):
        return queryset
    if user.is_staff_member:
        return staff(queryset)
    if own is None:
        return queryset.none()
    return own(queryset)
