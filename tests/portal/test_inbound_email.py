"""The service mailbox (portal/inbound.py, issue #13) against a real IMAP server over TLS
(Debian's dovecot, tests/mailserver.py): an e-mail from a known customer opens a case,
an answer is threaded onto its case, auto-replies and bounces are ignored, a redelivered
e-mail is processed once, attachments pass the upload checks; and the e-mails we send
carry the headers that keep the thread together."""

from __future__ import annotations

import imaplib
import os
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import pytest
from django.core import mail

from aftersales.models import Notification, OutboxMessage
from aftersales.services import outbox_email
from customers.models import Contact
from portal import inbound
from portal.models import InboundEmail
from tests import mailserver
from tests.customers.factories import customer
from tests.customers.factories import service_standard_in_force as standard_in_force
from tests.portal.test_portal import png_bytes
from tests.tickets.factories import open_ticket
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def imap_server():
    """The IMAP server of .ci/run (AFTERSALES_TEST_IMAP_URL), else one of our own."""
    if url := os.environ.get("AFTERSALES_TEST_IMAP_URL"):
        parts = urlsplit(url)
        yield mailserver.ImapServer(
            parts.hostname, parts.port, parts.username, parts.password,
            os.environ.get("AFTERSALES_TEST_IMAP_CA", ""),
        )  # fmt: skip
        return
    if not mailserver.available():
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs dovecot (apt-get install dovecot-imapd) for these tests"
            )
        pytest.skip("needs Debian's dovecot (apt-get install dovecot-imapd)")
    folder = tempfile.mkdtemp(prefix="aftersales-imap-")
    server = mailserver.start(folder)
    yield server
    mailserver.stop(folder)


class Mailbox:
    """The service mailbox as a customer's mail server fills it (IMAP APPEND)."""

    def __init__(self, server):
        self.server = server

    def _connect(self):
        context = ssl.create_default_context(cafile=self.server.ca_file)
        client = imaplib.IMAP4_SSL(
            self.server.host, self.server.port, ssl_context=context
        )
        client.login(self.server.user, self.server.password)
        client.select("INBOX")
        return client

    def empty(self):
        client = self._connect()
        _status, data = client.search(None, "ALL")
        if data[0].split():
            client.store("1:*", "+FLAGS", r"(\Deleted)")
            client.expunge()
        client.logout()

    def deliver(self, message: EmailMessage):
        client = self._connect()
        client.append("INBOX", None, None, message.as_bytes())
        client.logout()

    def unseen(self) -> int:
        client = self._connect()
        _status, data = client.search(None, "UNSEEN")
        client.logout()
        return len(data[0].split())


@pytest.fixture
def mailbox(imap_server, settings):
    settings.MAILBOX_URL = imap_server.url
    settings.MAILBOX_CA_FILE = imap_server.ca_file
    settings.AFTERSALES_PORTAL_UNIT = "hot"
    box = Mailbox(imap_server)
    box.empty()
    yield box
    box.empty()


@pytest.fixture
def wang(unit_tree, agent_user):
    standard_in_force(owner_unit=unit_tree["co"])
    return customer(
        actor=agent_user, name="Wang Fang", email="wang@example.com",
        preferred_channel="email",
    )  # fmt: skip


def email(*, sender="Wang Fang <wang@example.com>", subject="Dryer stopped", body="",
          headers=None, files=()) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@aftersales.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body or "It stops after ten minutes.\nModel DR-9.")
    for name, content, kind in files:
        maintype, subtype = kind.split("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=name
        )
    return message


def test_an_email_from_a_known_customer_opens_a_case_in_the_intake_unit(
    mailbox, wang, agent_user, django_capture_on_commit_callbacks
):
    mailbox.deliver(
        email(
            files=[
                ("dryer.png", png_bytes(), "image/png"),
                ("invoice.pdf.exe", b"MZ\x90\x00 a program", "application/pdf"),
            ]
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound.mailbox_poll() == 1
    [ticket] = Ticket.objects.filter(customer=wang)
    assert (ticket.source, ticket.type, ticket.title) == (
        "email",
        "complaint",
        "Dryer stopped",
    )
    assert ticket.first_owner == agent_user  # the intake unit's pick
    assert "It stops after ten minutes." in ticket.description
    # the picture is kept (content-checked), the disguised program is refused and named
    [kept] = Attachment.objects.filter(ticket=ticket)
    assert (kept.original_name, kept.content_type, kept.public) == (
        "dryer.png", "image/png", True,
    )  # fmt: skip
    record = InboundEmail.objects.get()
    assert (record.outcome, record.ticket) == ("case_opened", ticket)
    assert record.detail.startswith("invoice.pdf.exe: ")
    # on record: the inbound contact; the first owner is told; the customer gets
    # "case received" in the case's thread
    assert Contact.objects.get(customer=wang, direction="inbound").channel == "email"
    assert Notification.objects.filter(recipient=agent_user, kind="email_case").exists()
    [received] = [m for m in mail.outbox if ticket.number in m.subject]
    assert received.to == ["wang@example.com"]
    assert received.extra_headers["In-Reply-To"].startswith(f"<case.{ticket.number}@")
    # read: marked seen on the server
    assert mailbox.unseen() == 0


def test_an_answer_is_added_to_its_case_and_tells_the_handler(
    mailbox, wang, agent_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(actor=agent_user, customer=wang, title="Drum noisy")
    sent = OutboxMessage.objects.get(key=f"customer:received:{ticket.pk}")
    ours = outbox_email(sent).message()
    # the customer answers our e-mail: their client names it in In-Reply-To and quotes it
    mailbox.deliver(
        email(
            subject=f"Re: {ours['Subject']}",
            body="Tuesday morning suits me.\n\nOn Mon, 2 Mar 2026, service wrote:\n> We have",
            headers={
                "In-Reply-To": ours["Message-ID"],
                "References": ours["References"],
            },
        )
    )
    assert inbound.mailbox_poll() == 1
    assert Ticket.objects.count() == 1
    reply = ticket.events.filter(type=TicketEvent.Type.COMMENT).get()
    assert reply.data == {"body": "Tuesday morning suits me.", "from_customer": True}
    assert reply.public is True
    assert Notification.objects.filter(
        recipient=agent_user, kind="portal_reply"
    ).exists()
    assert InboundEmail.objects.get().outcome == "reply_added"
    assert Contact.objects.filter(
        customer=wang, channel="email", direction="inbound", disposition="linked"
    ).exists()


def test_a_case_number_in_the_subject_threads_an_answer_too(mailbox, wang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=wang)
    mailbox.deliver(email(subject=f"About {ticket.number}", body="Any news?"))
    inbound.mailbox_poll()
    assert ticket.events.filter(type=TicketEvent.Type.COMMENT, data__body="Any news?")


def test_someone_else_naming_a_case_is_not_added_to_it(mailbox, wang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=wang)
    mailbox.deliver(
        email(sender="x@evil.example", subject=f"Re: {ticket.number}", body="Refund me")
    )
    inbound.mailbox_poll()
    assert not ticket.events.filter(type=TicketEvent.Type.COMMENT)
    assert InboundEmail.objects.get().outcome == "not_the_customer"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Return-Path": "<>"},
    ],
)
def test_auto_replies_and_bounces_are_ignored(mailbox, wang, agent_user, headers):
    ticket = open_ticket(actor=agent_user, customer=wang)
    mailbox.deliver(
        email(subject=f"Out of office: Re: {ticket.number}", headers=headers)
    )
    assert inbound.mailbox_poll() == 1
    assert InboundEmail.objects.get().outcome == "automatic"
    assert Ticket.objects.count() == 1
    assert not ticket.events.filter(type=TicketEvent.Type.COMMENT)
    assert mailbox.unseen() == 0


def test_a_bounce_from_the_mailer_daemon_opens_nothing(mailbox, wang):
    mailbox.deliver(
        email(sender="MAILER-DAEMON@mail.example.com", subject="Undelivered Mail")
    )
    inbound.mailbox_poll()
    assert InboundEmail.objects.get().outcome == "automatic"
    assert not Ticket.objects.exists()


def test_a_redelivered_email_is_processed_once(mailbox, wang):
    message = email()
    mailbox.deliver(message)
    assert inbound.mailbox_poll() == 1
    mailbox.deliver(
        message
    )  # the same Message-ID again (a retry of the sender's server)
    assert mailbox.unseen() == 1
    assert inbound.mailbox_poll() == 0
    assert Ticket.objects.filter(customer=wang).count() == 1
    assert InboundEmail.objects.count() == 1
    assert mailbox.unseen() == 0


def test_an_unknown_sender_opens_no_case_and_is_kept_for_staff(mailbox, wang):
    mailbox.deliver(email(sender="stranger@example.org"))
    inbound.mailbox_poll()
    record = InboundEmail.objects.get()
    assert (record.outcome, record.sender, record.subject) == (
        "unknown_sender", "stranger@example.org", "Dryer stopped",
    )  # fmt: skip
    assert not Ticket.objects.exists()


def test_without_a_mailbox_nothing_is_read(settings):
    settings.MAILBOX_URL = ""
    assert inbound.mailbox_poll() == 0


def test_a_mailbox_without_tls_is_refused(settings):
    settings.MAILBOX_URL = "imap://u:p@127.0.0.1:143/INBOX"
    with pytest.raises(inbound.ImproperlyConfigured):
        inbound.mailbox_poll()
