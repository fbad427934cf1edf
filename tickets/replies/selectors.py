"""Reads of canned replies."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aftersales import permissions
from aftersales.models import Unit, User
from tickets.models import CannedReply


def reply_list_usable(*, user: User) -> QuerySet[CannedReply]:
    """The replies `user` may use: the shared ones and those of their units and of the
    units above them (a team's replies serve the teams below it)."""
    paths = list(user.units.values_list("path", flat=True))
    above = {int(pk) for path in paths for pk in path.strip("/").split("/") if pk}
    return CannedReply.objects.filter(
        Q(unit__isnull=True) | Q(unit_id__in=above), active=True
    ).select_related("unit")


def reply_list_manageable(*, user: User) -> QuerySet[CannedReply]:
    """The replies `user` keeps (every one for the company-wide roles, else those of the
    units they oversee)."""
    replies = CannedReply.objects.select_related("unit", "updated_by")
    if permissions.sees_company_wide(user):
        return replies
    return replies.filter(unit__in=permissions.units_overseen(user=user))


def reply_units(*, user: User) -> QuerySet[Unit]:
    """The teams `user` may keep replies for (every unit for the company-wide roles)."""
    if permissions.sees_company_wide(user):
        return Unit.objects.active().order_by("path")
    return permissions.units_overseen(user=user).order_by("path")
