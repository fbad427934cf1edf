"""Helpers shared by the voice services: who is told, which month a date is in."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.models import Membership, User
from aftersales.roles import Role


def require_staff(actor: User) -> None:
    """Only staff of the service organisation act on the voice of the customer."""
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff may do this."))


def is_member(user: User, unit_id: int) -> bool:
    """Whether `user` belongs to the unit (as member or supervisor)."""
    return Membership.objects.filter(user=user, unit_id=unit_id).exists()


def quality_managers() -> QuerySet[User]:
    """Active quality managers (the fallback recipients of voice reminders)."""
    return User.objects.filter(is_active=True, groups__name=Role.QUALITY_MANAGER)


def unit_people(unit_ids, *, supervisors_first: bool = True) -> dict[int, list[User]]:
    """Who hears about a unit: its supervisors, or every member when it has none (one
    query for all the units)."""
    people: dict[int, dict[str, list[User]]] = {}
    rows = Membership.objects.filter(
        unit_id__in=list(unit_ids), user__is_active=True
    ).select_related("user")
    for membership in rows:
        entry = people.setdefault(membership.unit_id, {"sup": [], "all": []})
        entry["all"].append(membership.user)
        if membership.is_supervisor:
            entry["sup"].append(membership.user)
    return {
        unit_id: (entry["sup"] if supervisors_first and entry["sup"] else entry["all"])
        for unit_id, entry in people.items()
    }


def supervisors_of(user: User) -> list[User]:
    """The supervisors of every unit the person belongs to (not the person)."""
    unit_ids = Membership.objects.filter(user=user).values("unit_id")
    return list(permissions.supervisors_of(unit_ids=unit_ids).exclude(pk=user.pk))


def month_start(day: date) -> date:
    """The first day of the month `day` is in."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after the one `day` is in."""
    first = day.replace(day=1)
    return (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else (first.replace(month=first.month + 1))
    )


def previous_month(day: date) -> date:
    """The first day of the month before the one `day` is in."""
    first = day.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else (first.replace(month=first.month - 1))
    )


def local_midnight(day: date) -> datetime:
    """The aware start of a local calendar day (the project's time zone)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
