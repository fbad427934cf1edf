"""Backup and restore (issue #14): `manage.py backup` writes the database and the files;
restored into an empty database and an empty media folder, every case, event and file is
there (SQLite's online backup, or pg_dump/pg_restore on PostgreSQL)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from aftersales import backup
from standards.services import legal_rule_sets_seed
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tests.tickets.test_attachments import PNG
from tickets.attachments import services as attachments
from tickets.cases import services as case_services
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same kind (a DATABASES entry), and a way to
    read it that is not the test's connection."""
    config = {**connection.settings_dict}
    name = f"restored_{os.getpid()}"
    if connection.vendor == "sqlite":
        config["NAME"] = str(tmp_path / f"{name}.sqlite3")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        config["NAME"] = name

    def query(sql: str) -> list[tuple]:
        if connection.vendor == "sqlite":
            db = sqlite3.connect(config["NAME"])
        else:
            db = psycopg2.connect(
                dbname=name, host=config["HOST"] or None, port=config["PORT"] or None,
                user=config["USER"] or None, password=config["PASSWORD"] or None,
            )  # fmt: skip
        try:
            cursor = db.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            db.close()

    yield config, query
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_backup_restored_into_an_empty_database_has_every_case_event_and_file(
    unit_tree, tmp_path, settings, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    legal_rule_sets_seed()
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    manager = UserFactory(roles=["manager"], units=[unit_tree["co"]])
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    service_standard(author=quality, approver=manager, owner_unit=unit_tree["co"])
    for n in range(3):
        ticket = open_ticket(actor=agent, customer=customer(actor=agent, name=f"C{n}"))
        case_services.ticket_comment(ticket=ticket, actor=agent, body=f"Note {n}")
        attachments.attachment_add(
            ticket=ticket, actor=agent, file=ContentFile(PNG, name=f"photo{n}.png")
        )
    expected = {
        "cases": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        "files": Attachment.objects.count(),
    }
    stored = {
        a.file.name: Path(a.file.path).read_bytes() for a in Attachment.objects.all()
    }

    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    database, query = empty_database
    manifest = backup.restore(
        folder, database=database, media_root=tmp_path / "restored-media"
    )

    counts = {
        key: query(f"SELECT COUNT(*) FROM {table}")[0][0]  # noqa: S608
        for key, table in (("cases", "tickets_ticket"), ("events", "tickets_ticketevent"),
                           ("files", "tickets_attachment"))
    }  # fmt: skip
    assert counts == expected
    assert manifest["counts"]["cases"] == expected["cases"] == 3
    names = [row[0] for row in query("SELECT file FROM tickets_attachment")]
    assert sorted(names) == sorted(stored)
    for name, content in stored.items():
        assert (tmp_path / "restored-media" / name).read_bytes() == content


def test_a_backup_needs_an_empty_folder_and_a_restore_a_backup(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        call_command("backup", str(tmp_path / "full"))
    with pytest.raises(Exception, match="holds no backup"):
        call_command("restore", str(tmp_path / "full"), "--yes")
