"""Services of the cross-cutting app: roles, units, notifications, outbox, job runs."""

import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import services
from aftersales.models import JobRun, Notification, OutboxMessage, Unit
from aftersales.outbox import LocmemSmsBackend
from aftersales.roles import ROLE_PERMISSIONS, Role
from aftersales.tasks import outbox_deliver_task
from tests.aftersales.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_roles_sync_creates_each_role_group_with_its_permissions():
    services.roles_sync()
    services.roles_sync()  # idempotent
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    manager = Group.objects.get(name="manager")
    granted = {
        f"{p.content_type.app_label}.{p.codename}" for p in manager.permissions.all()
    }
    assert granted == set(ROLE_PERMISSIONS[Role.MANAGER])


def test_unit_tree_paths_and_subtree_query():
    company = services.unit_create(code="c", name="C", kind="company")
    branch = services.unit_create(code="b", name="B", kind="branch", parent=company)
    team = services.unit_create(code="t", name="T", kind="hotline", parent=branch)
    other = services.unit_create(code="o", name="O", kind="company")
    assert team.path == f"/{company.pk}/{branch.pk}/{team.pk}/"
    assert team.depth == 2
    assert set(Unit.objects.subtree_of([branch])) == {branch, team}
    assert other not in Unit.objects.subtree_of([company])


def test_notify_is_at_most_once_per_key_and_emails_in_recipient_language():
    user = UserFactory(email="li@example.com", language="zh-hans")
    first = services.notify(
        recipient=user, kind="test", key="k1", title=_("Home"), email=True
    )
    second = services.notify(
        recipient=user, kind="test", key="k1", title=_("Home"), email=True
    )
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=user).count() == 1
    assert first.title == "首页"
    assert OutboxMessage.objects.filter(key=f"notification:{first.pk}").count() == 1


def test_outbox_message_is_delivered_after_commit_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.outbox_enqueue(
            channel="email", to="a@example.com", subject="Hi", body="Body", key="m1"
        )
        services.outbox_enqueue(
            channel="email", to="a@example.com", subject="Hi", body="Body", key="m1"
        )
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1
    assert outbox_deliver_task(message.pk) is False  # redelivery sends nothing
    assert len(mail.outbox) == 1


def test_sms_goes_through_the_gateway(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_enqueue(
            channel="sms", to="+8613800000000", body="Code 1234", key="s1"
        )
    assert LocmemSmsBackend.sent == [{"to": "+8613800000000", "body": "Code 1234"}]


def test_outbox_sweep_redrives_unsent_messages_and_records_a_job_run():
    message = OutboxMessage.objects.create(
        channel="email", to="b@example.com", body="x", key="m2"
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    fresh = OutboxMessage.objects.create(
        channel="email", to="c@example.com", body="y", key="m3"
    )
    assert services.outbox_sweep(now=timezone.now()) == 1
    assert services.outbox_sweep(now=timezone.now()) == 0  # idempotent
    assert [m.to for m in mail.outbox] == [["b@example.com"]]
    fresh.refresh_from_db()
    assert fresh.sent_at is None
    runs = list(JobRun.objects.filter(name="outbox_sweep").order_by("pk"))
    assert [(r.status, r.items) for r in runs] == [("succeeded", 1), ("succeeded", 0)]
    assert all(r.finished_at for r in runs)


def test_failed_job_is_recorded_as_failed():
    def broken_job():
        with services.job_run("broken") as run:
            run.items = 3
            raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        broken_job()
    record = JobRun.objects.get(name="broken")
    assert record.status == "failed"
    assert record.errors == 1
    assert "ZeroDivisionError" in record.detail


def test_enqueue_with_dead_broker_does_not_fail_the_request(
    settings, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    from aftersales.celery import app

    app._pool = None  # connections are pooled per broker URL: start from the dead one
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = services.outbox_enqueue(
                channel="email", to="d@example.com", body="z", key="m4"
            )
    finally:
        app._pool = None
    message.refresh_from_db()
    assert message.sent_at is None  # left for the outbox sweep
    assert OutboxMessage.objects.filter(key="m4").exists()


def test_notification_with_parameters_is_rendered_in_the_recipients_language():
    """Lazy titles and lazy parameter values are translated for each recipient."""
    from tickets.cases.services import CLOCK_LABELS

    chinese = UserFactory(language="zh-hans")
    english = UserFactory(language="en")
    title = _("%(number)s: the %(clock)s time is breached")
    params = {"number": "T1", "clock": CLOCK_LABELS["resolve"]}
    zh = services.notify(
        recipient=chinese, kind="t", key="p1", title=title, title_params=params
    )
    en = services.notify(
        recipient=english, kind="t", key="p2", title=title, title_params=params
    )
    assert en.title == "T1: the resolution time is breached"
    assert zh.title.startswith("T1")
    assert "resolution" not in zh.title
    assert zh.title != en.title


@pytest.mark.parametrize(
    ("language", "greeting", "open_line", "prefix", "link"),
    [
        ("en", "Hello Li Na,", "Open it in Aftersales:", "[Aftersales]", "/tickets/T1/"),
        ("zh-hans", "Li Na，您好：", "在售后服务系统中打开：", "[售后服务系统]",
         "/zh-hans/tickets/T1/"),
    ],
)  # fmt: skip
def test_notification_email_uses_the_template_in_the_recipients_language(
    settings, language, greeting, open_line, prefix, link
):
    settings.AFTERSALES_BASE_URL = "https://service.example.com/"
    user = UserFactory(
        email="li@example.com", language=language, first_name="Li", last_name="Na"
    )
    note = services.notify(
        recipient=user,
        kind="test",
        key=f"mail-{language}",
        title=_("Home"),
        url="/tickets/T1/",
        email=True,
    )
    message = OutboxMessage.objects.get(key=f"notification:{note.pk}")

    assert message.subject.startswith(prefix)
    assert note.title in message.subject
    assert greeting in message.body
    # the link opens the page in the recipient's language (the in-app link has no
    # prefix: signed in, the page follows the profile's language)
    assert f"{open_line} https://service.example.com{link}" in message.body
    assert note.url == "/tickets/T1/"


def test_notification_without_email_writes_no_outbox_message():
    user = UserFactory(email="li@example.com")
    services.notify(recipient=user, kind="test", key="quiet", title=_("Home"))

    assert not OutboxMessage.objects.exists()


def test_a_secret_message_is_erased_from_the_outbox_once_sent(
    django_capture_on_commit_callbacks,
):
    LocmemSmsBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(
            channel="sms", to="+8613800138000", body="Code 123456", key="otp-1",
            secret=True,
        )  # fmt: skip
    message.refresh_from_db()

    assert LocmemSmsBackend.sent[-1]["body"] == "Code 123456"
    assert message.sent_at is not None
    assert "123456" not in message.body


def test_an_ordinary_message_keeps_its_body_after_sending(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(
            channel="sms", to="+8613800138000", body="Your case T1", key="plain-1"
        )
    message.refresh_from_db()

    assert message.sent_at is not None
    assert message.body == "Your case T1"


def test_a_line_break_in_a_title_never_makes_a_message_undeliverable(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="li@example.com")
    # a notification whose title (say, a case title) holds CR/LF and a tab
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipient=user, kind="test", key="k1", email=True,
            title="Safety alert: smoke\r\nfrom the\tcooker\n",
        )  # fmt: skip
        # and one enqueued in bulk
        services.outbox_enqueue_many(
            [
                OutboxMessage(
                    channel="email", to="wu@example.com\n", key="m2",
                    subject="Case A-1\r\nBcc: everyone@example.com", body="Body",
                )
            ]
        )  # fmt: skip
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0] == "Case A-1 Bcc: everyone@example.com"  # one header, no Bcc
    assert "Safety alert: smoke from the cooker" in subjects[1]
    assert all(m.bcc == [] and "\n" not in m.subject for m in mail.outbox)
    assert mail.outbox[-1].message()["To"] == "wu@example.com"


def test_a_message_stored_with_a_line_break_in_its_subject_is_delivered():
    # (a row written before subjects were made safe at enqueue)
    OutboxMessage.objects.create(
        channel="email", to="a@example.com", subject="Case\r\nA-2", body="B", key="m3"
    )
    message = OutboxMessage.objects.get(key="m3")
    assert services.outbox_deliver(message_id=message.pk) is True
    assert mail.outbox[0].subject == "Case A-2"
