"""Reads of the cross-cutting app, permission-scoped."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from aftersales.models import JobRun, Membership, Notification, Unit, User
from aftersales.permissions import STAFF


def user_list(*, viewer: User) -> QuerySet[User]:
    """The staff directory as `viewer` may see it: staff only, with roles and units loaded."""
    if not viewer.is_staff_member:
        return User.objects.none()
    # A semi-join on the role memberships, not a join that repeats a user per role (and
    # then needs DISTINCT over every column to count the directory).
    staff_roles = User.groups.through.objects.filter(group__name__in=STAFF)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=staff_roles.values("user_id")) | Q(is_superuser=True))
        .prefetch_related(
            "groups",
            Prefetch("memberships", queryset=Membership.objects.select_related("unit")),
        )
        .order_by("username")
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


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_unread(*, user: User, limit: int = 5) -> list[Notification]:
    """The user's newest unread notifications."""
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)[:limit]
    )


def notification_unread_count(*, user: User) -> int:
    """How many notifications the user has not read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def job_run_list_recent(*, limit: int = 10) -> QuerySet[JobRun]:
    """The most recent job runs."""
    return JobRun.objects.all()[:limit]
