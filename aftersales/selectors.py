"""Reads of the cross-cutting app, permission-scoped."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from aftersales.models import JobRun, Membership, Notification, Unit, User
from aftersales.roles import MANAGING_ROLES, STAFF_ROLES


def user_list(*, viewer: User) -> QuerySet[User]:
    """The staff directory as `viewer` may see it: staff only, with roles and units loaded."""
    if not viewer.is_staff_member:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=STAFF_ROLES) | Q(is_superuser=True))
        .prefetch_related(
            "groups",
            Prefetch("memberships", queryset=Membership.objects.select_related("unit")),
        )
        .order_by("username")
        .distinct()
    )


def me_get(*, user: User) -> User:
    """The signed-in user with roles and units loaded."""
    return User.objects.prefetch_related(
        "groups",
        Prefetch("memberships", queryset=Membership.objects.select_related("unit")),
    ).get(pk=user.pk)


def unit_list(*, viewer: User) -> QuerySet[Unit]:
    """The organisation tree (staff only), in tree order."""
    if not viewer.is_staff_member:
        return Unit.objects.none()
    return Unit.objects.select_related("parent").order_by("path")


def supervisors_over(*, unit: Unit) -> QuerySet[User]:
    """Active supervisors of the unit or of a unit above it (who answers for its work)."""
    return User.objects.filter(
        is_active=True,
        memberships__is_supervisor=True,
        memberships__unit_id__in=unit.lineage_ids,
    ).distinct()


def supervises(*, user: User, units) -> bool:
    """Whether `user` supervises one of `units` or a unit above one of them."""
    ids = {pk for unit in units for pk in unit.lineage_ids}
    return Membership.objects.filter(
        user=user, is_supervisor=True, unit_id__in=ids
    ).exists()


def units_supervised_subtree(*, user: User) -> QuerySet[Unit]:
    """Every unit in the subtrees of the units `user` supervises (managers: all units)."""
    if user.has_role(*MANAGING_ROLES):
        return Unit.objects.all()
    roots = list(
        Unit.objects.filter(memberships__user=user, memberships__is_supervisor=True)
    )
    return Unit.objects.subtree_of(roots)


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: User) -> int:
    """How many notifications the user has not read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def job_run_list_recent(*, limit: int = 10) -> QuerySet[JobRun]:
    """The most recent job runs."""
    return JobRun.objects.all()[:limit]
