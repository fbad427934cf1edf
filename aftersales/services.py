"""Writes of the cross-cutting app: roles, units, notifications, the outbox, job runs, and
the one helper that enqueues Celery tasks after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from aftersales.models import (
    JobRun,
    Membership,
    Notification,
    OutboxMessage,
    Unit,
    User,
)
from aftersales.outbox import send_sms
from aftersales.roles import ROLE_PERMISSIONS, Role

logger = logging.getLogger(__name__)

OUTBOX_MAX_ATTEMPTS = 5


OUTBOX_DELIVER_TASK = "aftersales.tasks.outbox_deliver_task"


# --- Celery -----------------------------------------------------------------------------------


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send the task registered as `task_name` (e.g. "aftersales.tasks.outbox_deliver_task")
    with `args` after the current transaction commits.

    Services ring the doorbell by the task's name, so they never import a tasks module
    (tasks import services, never the reverse). The task is imported by its dotted path at
    publish time (which registers it with Celery in any process), and `.delay` honours
    eager mode in tests.

    The broker is a doorbell, not the truth: when it is down or hung the publish gives up fast
    (settings) and we log instead of failing the request; the owning sweep re-drives the work.
    """

    def publish() -> None:
        try:
            import_string(task_name).delay(*args)
        except (BrokerError, OSError) as exc:
            logger.warning(
                "Broker unavailable, %s(%s) left to its sweep: %s", task_name, args, exc
            )

    transaction.on_commit(publish)


@contextmanager
def job_run(name: str) -> Iterator[JobRun]:
    """Record one run of a job (start, end, items touched, errors) around its body.

    The row is written outside the job's own transaction, so a failed run is still recorded.
    """
    run = JobRun.objects.create(name=name, started_at=timezone.now())
    try:
        yield run
    except Exception as exc:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            items=run.items,
            errors=run.errors + 1,
            detail=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        items=run.items,
        errors=run.errors,
        detail=run.detail,
    )


# --- Roles and units --------------------------------------------------------------------------


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create one group per role and grant exactly the permissions of roles.ROLE_PERMISSIONS.

    Idempotent; permissions of apps not installed yet are skipped.
    """
    groups = []
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_PERMISSIONS.get(role, [])
        condition = Q(pk__in=[])
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            condition |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(condition))
        groups.append(group)
    return groups


@transaction.atomic
def unit_create(*, code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Create a unit under `parent` (or a root), or update the name/kind of an existing code."""
    unit, created = Unit.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent}
    )
    if not created and (unit.name, unit.kind) != (name, kind):
        unit.name, unit.kind = name, kind
        unit.save(update_fields=["name", "kind"])
    return unit


@transaction.atomic
def membership_set(
    *, user: User, unit: Unit, is_supervisor: bool = False
) -> Membership:
    """Put `user` into `unit` (idempotent), as its supervisor when `is_supervisor`."""
    membership, _ = Membership.objects.update_or_create(
        user=user, unit=unit, defaults={"is_supervisor": is_supervisor}
    )
    return membership


# --- Notifications and the outbox ------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    recipient: User,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = False,
    title_params: dict | None = None,
    body_params: dict | None = None,
) -> Notification:
    """Notify one person in the app (and by e-mail when asked), at most once per `key`.

    `title` and `body` may be lazy translations with %-placeholders filled from
    `title_params`/`body_params` (whose values may be lazy too): all are rendered in the
    recipient's language.
    """

    def render(text, params) -> str:
        if not params:
            return str(text)
        return str(text) % {name: str(value) for name, value in params.items()}

    with translation.override(recipient.language):
        title_text, body_text = render(title, title_params), render(body, body_params)
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient,
            "kind": kind,
            "title": title_text[:200],
            "body": body_text,
            "url": url,
        },
    )
    if created and email and recipient.email:
        with translation.override(recipient.language):
            link = f"{settings.AFTERSALES_BASE_URL.rstrip('/')}{url}" if url else ""
            message = render_to_string(
                "aftersales/email/notification.txt",
                {
                    "recipient": recipient,
                    "title": title_text,
                    "body": body_text,
                    "link": link,
                },
            )
            subject = f"[{_('Aftersales')}] {title_text}"
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            to=recipient.email,
            subject=subject[:200],
            body=message,
            key=f"notification:{notification.pk}",
        )
    return notification


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or the given ids) read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def outbox_enqueue(
    *,
    channel: str,
    to: str,
    body: str,
    key: str,
    subject: str = "",
    secret: bool = False,
) -> OutboxMessage:
    """Record an outgoing message (once per `key`) and deliver it after commit. A
    `secret` body (a one-time code) is erased from the row once it is sent."""
    message, created = OutboxMessage.objects.get_or_create(
        key=key,
        defaults={
            "channel": channel,
            "to": to,
            "subject": subject,
            "body": body,
            "secret": secret,
        },
    )
    if created:
        enqueue_on_commit(OUTBOX_DELIVER_TASK, message.pk)
    return message


ERASED_BODY = "(erased after sending)"


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message if it is still unsent; stamp `sent_at` once.

    Returns True when this call sent it. A failure is recorded on the row and re-raised for
    the task's retry policy; the outbox sweep re-drives anything left unsent.
    """
    claimed = OutboxMessage.objects.filter(
        pk=message_id, sent_at__isnull=True, attempts__lt=OUTBOX_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        if message.channel == OutboxMessage.Channel.EMAIL:
            EmailMessage(
                subject=message.subject, body=message.body, to=[message.to]
            ).send()
        else:
            send_sms(to=message.to, body=message.body)
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:2000])
        raise
    erased = {"body": ERASED_BODY} if message.secret else {}
    return bool(
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
            sent_at=timezone.now(), last_error="", **erased
        )
    )


def outbox_sweep(*, now: datetime) -> int:
    """Re-drive unsent outbox messages older than a minute (lost broker messages, failures).

    Set-based: only rows with `sent_at IS NULL` and attempts left are touched. Recorded as a
    job run; returns the number of messages sent.
    """
    with job_run("outbox_sweep") as run:
        pending = OutboxMessage.objects.filter(
            sent_at__isnull=True,
            attempts__lt=OUTBOX_MAX_ATTEMPTS,
            created_at__lt=now - timedelta(minutes=1),
        ).values_list("pk", flat=True)
        for message_id in list(pending[:500]):
            try:
                run.items += int(outbox_deliver(message_id=message_id))
            except Exception as exc:  # one bad address must not stop the sweep
                run.errors += 1
                logger.warning("Outbox message %s failed: %s", message_id, exc)
    return run.items
