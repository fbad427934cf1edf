"""Writes of the cross-cutting app: roles, units, notifications, the outbox, job runs, and
the one helper that enqueues Celery tasks after commit."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.authtoken.models import Token

from aftersales.api.authentication import token_expires_at
from aftersales.middleware import language_path, unprefixed
from aftersales.models import (
    JobRun,
    Membership,
    Notification,
    OutboxMessage,
    Unit,
    User,
)
from aftersales.notification_kinds import KINDS, email_wanted
from aftersales.outbox import header_value, send_sms
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


# --- Bulk writes, once per key ----------------------------------------------------------------


def bulk_insert_once(
    objs: Sequence[models.Model], *, unique: str = "key", update: Sequence[str] = ()
) -> list:
    """Insert the unsaved rows `objs` (one model) in one statement and return those this
    call inserted, with their primary keys set; a row whose `unique` column already holds
    its value (written earlier, or by a concurrent transaction that commits) is skipped.

    It is `INSERT ... SELECT ... ON CONFLICT (unique) DO NOTHING RETURNING`: the rows travel
    as one JSON parameter (no limit on the number of rows per statement, on SQLite too),
    and only the winners of a race come back, so a sweep notifies exactly once even with
    two sweeps at once. Rows are inserted in the given order. PostgreSQL and SQLite 3.35+.

    With `update` (field names), a row whose `unique` value exists updates those columns
    instead (`ON CONFLICT ... DO UPDATE`); every row then comes back. The rows must
    carry distinct `unique` values then.
    """
    if not objs:
        return []
    meta = objs[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    key_field = meta.get_field(unique)
    columns = [(field, field.column, _json_converter(field)) for field in fields]
    rows = [
        {
            column: None
            if (value := field.pre_save(obj, True)) is None
            else convert(value)
            for field, column, convert in columns
        }
        for obj in objs
    ]
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        selected = ", ".join(
            f"r.value->'{field.column}'"
            if field.get_internal_type() == "JSONField"
            else f"(r.value->>'{field.column}')::{_pg_cast(field)}"
            for field in fields
        )
        source = (
            "jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(value, ord) "
            "ORDER BY r.ord"
        )
    elif connection.vendor == "sqlite":
        selected = ", ".join(
            f"json_extract(r.value, '$.{field.column}')" for field in fields
        )
        # WHERE true: SQLite's grammar needs a WHERE before an upsert's ON CONFLICT.
        source = "json_each(%s) AS r WHERE true ORDER BY r.key"
    else:  # pragma: no cover  # the project runs on PostgreSQL and SQLite
        raise NotImplementedError(connection.vendor)
    # Identifiers from the model's metadata, values only in the parameter.
    columns = ", ".join(qn(field.column) for field in fields)
    table, key, pk_column = qn(meta.db_table), qn(key_field.column), qn(meta.pk.column)
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM {source} "  # noqa: S608
    if update:
        assignments = ", ".join(
            f"{qn(column)} = excluded.{qn(column)}"
            for column in (meta.get_field(name).column for name in update)
        )
        sql += f"ON CONFLICT ({key}) DO UPDATE SET {assignments} "
    else:
        sql += f"ON CONFLICT ({key}) DO NOTHING "
    sql += f"RETURNING {pk_column}, {key}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, cls=DjangoJSONEncoder)])
        inserted = {value: pk for pk, value in cursor.fetchall()}
    won, seen = [], set()
    for obj in objs:
        value = getattr(obj, key_field.attname)
        if value in inserted and value not in seen:
            seen.add(value)
            obj.pk = inserted[value]
            obj._state.adding, obj._state.db = False, connection.alias
            won.append(obj)
    return won


def _json_converter(field: models.Field) -> Callable[[Any], Any]:
    """How a column value (not None) travels in the JSON of bulk_insert_once: as the
    database reads it back (decided once per column, not once per value)."""
    if field.get_internal_type() == "JSONField":
        return lambda value: value
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return connection.ops.adapt_datetimefield_value
        return datetime.isoformat
    if field.get_internal_type() in {"CharField", "TextField", "EmailField"}:
        return str
    return (
        field.get_prep_value
    )  # numbers, booleans, keys: JSON carries them as they are


def _pg_cast(field: models.Field) -> str:
    """The PostgreSQL type a JSON text value is cast to (text for strings: a cast to
    varchar(n) would cut a long value instead of refusing it)."""
    if field.get_internal_type() in {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
    }:
        return "text"
    return field.db_type(connection)


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
    url = unprefixed(url)  # opened signed in: in the recipient's language
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
    if created and email_wanted(recipient, kind, email) and recipient.email:
        subject, message = _notification_email(recipient, title_text, body_text, url)
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            to=recipient.email,
            subject=subject[:200],
            body=message,
            key=f"notification:{notification.pk}",
        )
    return notification


@dataclass(frozen=True)
class NotificationDraft:
    """One notification for `notify_many`: the arguments of `notify`."""

    recipient: User
    kind: str
    key: str
    title: Any
    title_params: dict | None = None
    body: Any = ""
    body_params: dict | None = None
    url: str = ""
    email: bool = False
    # One notification per group key (e.g. a case's SLA alerts to one person): a later
    # draft of the group updates it (text, kind, time) and makes it unread again.
    group: str = ""


class _Translated(dict):
    """str() of lazy texts, each translated once (in the active language)."""

    def __call__(self, value) -> str:
        if isinstance(value, str):
            return value
        if id(value) not in self:
            self[id(value)] = str(value)
        return self[id(value)]


def _render(text, params, as_text=str) -> str:
    if not params:
        return as_text(text)
    return as_text(text) % {name: as_text(value) for name, value in params.items()}


@transaction.atomic(savepoint=False)
def notify_many(drafts: Iterable[NotificationDraft]) -> list[Notification]:
    """`notify` for many people at once, with the same rules: each text rendered in its
    recipient's language, at most one notification per key (a key already used, or used
    twice here, is skipped), an e-mail copy where asked and the recipient has an address.
    A draft with a `group` updates its group's one notification instead (the last
    draft of a group wins; each draft's e-mail copy still goes once, keyed by the
    draft). A fixed number of statements whatever the number of drafts (the sweeps'
    alerts); returns the notifications created (the groups' are not among them)."""
    drafts = list({draft.key: draft for draft in reversed(list(drafts))}.values())[::-1]
    by_language: dict[str, list[NotificationDraft]] = {}
    for draft in drafts:
        by_language.setdefault(draft.recipient.language, []).append(draft)
    texts: dict[str, tuple[str, str]] = {}
    for language, group in by_language.items():
        as_text = _Translated()  # each lazy text once per language
        with translation.override(language):
            for draft in group:
                texts[draft.key] = (
                    _render(draft.title, draft.title_params, as_text),
                    _render(draft.body, draft.body_params, as_text),
                )

    def row(draft: NotificationDraft, key: str) -> Notification:
        return Notification(
            recipient=draft.recipient,
            kind=draft.kind,
            title=texts[draft.key][0][:200],
            body=texts[draft.key][1],
            url=unprefixed(draft.url),
            key=key,
        )

    created = bulk_insert_once(
        [row(draft, draft.key) for draft in drafts if not draft.group]
    )
    grouped = {draft.group: draft for draft in drafts if draft.group}
    if grouped:
        # (sorted: two sweeps at once take the rows' locks in the same order)
        bulk_insert_once(
            [row(grouped[group], group) for group in sorted(grouped)],
            update=["kind", "title", "body", "url", "created_at", "read_at"],
        )
    wanted = {
        draft.key: draft
        for draft in drafts
        if draft.recipient.email
        and email_wanted(draft.recipient, draft.kind, draft.email)
    }
    mailed = [
        (notification.key, f"notification:{notification.pk}")
        for notification in created
    ]
    mailed += [
        (draft.key, f"notification:{draft.key}") for draft in drafts if draft.group
    ]
    messages: list[OutboxMessage] = []
    memo: dict = {}
    for draft_key, message_key in mailed:
        draft = wanted.get(draft_key)
        if draft is None:
            continue
        subject, message = _notification_email(
            draft.recipient, *texts[draft.key], draft.url, memo=memo
        )
        messages.append(
            OutboxMessage(
                channel=OutboxMessage.Channel.EMAIL,
                to=draft.recipient.email,
                subject=subject[:200],
                body=message,
                key=message_key,
            )
        )
    outbox_enqueue_many(messages)
    return created


def _notification_email(
    recipient: User,
    title_text: str,
    body_text: str,
    url: str,
    *,
    memo: dict | None = None,
) -> tuple[str, str]:
    """The subject and text of the e-mail copy of a notification, in the recipient's
    language, with the link to the page in that language. With a `memo` (a dict kept
    across calls), the template is rendered once per recipient (and whether there is a
    body and a link) with markers where the title, body and link go, which are then
    replaced: the same text, for a sweep's thousands."""
    url = language_path(url, recipient.language) if url else ""
    if memo is None:
        return _notification_email_rendered(recipient, title_text, body_text, url)
    key = (recipient.pk, recipient.language, recipient.name, bool(body_text), bool(url))
    if key not in memo:
        memo[key] = _notification_email_rendered(
            recipient,
            _MARK_TITLE,
            _MARK_BODY if body_text else "",
            _MARK_URL if url else "",
        )
    subject, message = memo[key]
    for mark, text in (
        (_MARK_TITLE, title_text),
        (_MARK_BODY, body_text),
        (_MARK_URL, url),
    ):
        subject, message = subject.replace(mark, text), message.replace(mark, text)
    return subject, message


# Markers of the memoised e-mail text (never in a title, a body or a link).
_MARK_TITLE, _MARK_BODY, _MARK_URL = "\x00title\x00", "\x00body\x00", "\x00url\x00"


def _notification_email_rendered(
    recipient: User, title_text: str, body_text: str, url: str
) -> tuple[str, str]:
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
    return subject, message


def tokens_revoke_after_password_change(sender, instance: User, **kwargs) -> None:
    """post_save of a user whose password was set (User.set_password): their API
    tokens stop working."""
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        Token.objects.filter(user=instance).delete()


def token_list(*, user: User) -> list[dict]:
    """The user's API tokens: when made, until when they work, the key's last four."""
    return [
        {"created": token.created, "expires": token_expires_at(token.created),
         "ending": token.key[-4:]}
        for token in Token.objects.filter(user=user)
    ]  # fmt: skip


def token_revoke(*, user: User) -> int:
    """Revoke the user's API tokens; how many there were."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


def user_language_set(*, user: User, language: str) -> None:
    """The language of a person's pages without a prefix, notifications and e-mails."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Unknown language.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def notification_email_set(*, user: User, kinds: Iterable[str]) -> dict[str, bool]:
    """Keep the person's choice of the kinds of notification that come by e-mail too:
    every listed kind is on, every other kind of the list off. ValidationError for a
    kind that does not exist."""
    chosen = set(kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise ValidationError(
            {"email": [_("Unknown kind of notification: %(kinds)s.")
                       % {"kinds": ", ".join(sorted(unknown))}]}
        )  # fmt: skip
    user.notification_email = {kind: kind in chosen for kind in KINDS}
    user.save(update_fields=["notification_email"])
    return user.notification_email


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
    not_before: datetime | None = None,
    thread: str = "",
) -> OutboxMessage:
    """Record an outgoing message (once per `key`) and deliver it after commit, or,
    with `not_before` in the future (quiet hours), by the outbox sweep from then on. A
    `secret` body (a one-time code) is erased from the row once it is sent; the e-mails
    of one `thread` (a case number) carry the same References header."""
    message, created = OutboxMessage.objects.get_or_create(
        key=key,
        defaults={
            "channel": channel,
            "to": header_value(to, limit=254),
            "subject": header_value(subject),
            "body": body,
            "secret": secret,
            "not_before": not_before,
            "thread": thread,
        },
    )
    if created and (not_before is None or not_before <= timezone.now()):
        enqueue_on_commit(OUTBOX_DELIVER_TASK, message.pk)
    return message


# A bulk enqueue rings the doorbell for this many messages; the outbox sweep delivers the
# rest (its rows are the truth), so a sweep that alerts thousands enqueues a bounded number.
OUTBOX_DIRECT_DELIVERIES = 20


@transaction.atomic(savepoint=False)
def outbox_enqueue_many(messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """`outbox_enqueue` for many unsaved messages in one statement (once per key). The first
    `OUTBOX_DIRECT_DELIVERIES` are delivered after commit, each by its task; the others
    are left to the outbox sweep (every minute). Returns the messages created."""
    messages = list(messages)
    for message in messages:
        message.to = header_value(message.to, limit=254)
        message.subject = header_value(message.subject)
    created = bulk_insert_once(messages)
    for message in created[:OUTBOX_DIRECT_DELIVERIES]:
        enqueue_on_commit(OUTBOX_DELIVER_TASK, message.pk)
    return created


def outbox_deliver_many(*, message_ids: Iterable[int]) -> int:
    """Deliver the given outbox messages that are still unsent (for a task that delivers a
    whole batch at once); one failure does not stop the others. Returns how many were sent."""
    sent = 0
    for message_id in message_ids:
        try:
            sent += int(outbox_deliver(message_id=message_id))
        except Exception as exc:  # one bad address must not stop the batch
            logger.warning("Outbox message %s failed: %s", message_id, exc)
    return sent


ERASED_BODY = "(erased after sending)"


def outbox_deliver(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one outbox message if it is still unsent; stamp `sent_at` once.

    Returns True when this call sent it. A failure is recorded on the row and re-raised for
    the task's retry policy; the outbox sweep re-drives anything left unsent.
    """
    claimed = (
        OutboxMessage.objects.filter(
            pk=message_id, sent_at__isnull=True, attempts__lt=OUTBOX_MAX_ATTEMPTS
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now or timezone.now()))
        .update(attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        if message.channel == OutboxMessage.Channel.EMAIL:
            outbox_email(message).send()
        else:
            send_sms(to=header_value(message.to, limit=254), body=message.body)
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:2000])
        raise
    erased = {"body": ERASED_BODY} if message.secret else {}
    return bool(
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
            sent_at=timezone.now(), last_error="", **erased
        )
    )


def _mail_domain() -> str:
    """The domain of the sender's address: the right side of our Message-IDs."""
    sender = header_value(settings.DEFAULT_FROM_EMAIL, limit=254)
    return sender.rpartition("@")[2].strip("<> ") or "aftersales.invalid"


def thread_message_id(thread: str) -> str:
    """The Message-ID a case's thread hangs from: every e-mail about the case refers to
    it, and a customer's answer names it in In-Reply-To or References."""
    return f"<case.{thread}@{_mail_domain()}>"


def outbox_email(message: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox row: its own Message-ID (the same on every attempt) and,
    for a case's thread, In-Reply-To and References to the thread's root and the case
    number in X-Aftersales-Case. Subject and address pass `header_value` again (rows
    stored before it was applied at enqueue)."""
    headers = {"Message-ID": f"<outbox.{message.pk}@{_mail_domain()}>"}
    if message.thread:
        root = thread_message_id(message.thread)
        headers |= {
            "In-Reply-To": root,
            "References": root,
            "X-Aftersales-Case": header_value(message.thread, limit=50),
        }
    return EmailMessage(
        subject=header_value(message.subject),
        body=message.body,
        to=[header_value(message.to, limit=254)],
        headers=headers,
    )


def outbox_sweep(*, now: datetime) -> int:
    """Re-drive unsent outbox messages older than a minute (lost broker messages, failures).

    Set-based: only rows with `sent_at IS NULL` and attempts left are touched; a message
    held for quiet hours is sent once its time has come. Recorded as a job run; returns
    the number of messages sent.
    """
    with job_run("outbox_sweep") as run:
        pending = OutboxMessage.objects.filter(
            sent_at__isnull=True,
            attempts__lt=OUTBOX_MAX_ATTEMPTS,
        )
        # (held messages are due at their time; the others a minute after they were
        # written, when their own task has had its chance)
        pending = pending.filter(
            Q(not_before__isnull=True, created_at__lt=now - timedelta(minutes=1))
            | Q(not_before__lte=now)
        ).values_list("pk", flat=True)
        for message_id in list(pending[:500]):
            try:
                run.items += int(outbox_deliver(message_id=message_id, now=now))
            except Exception as exc:  # one bad address must not stop the sweep
                run.errors += 1
                logger.warning("Outbox message %s failed: %s", message_id, exc)
    return run.items
