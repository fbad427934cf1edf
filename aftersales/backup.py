"""Backup and restore (issue #14): the database and the uploaded files, into one folder.

- PostgreSQL: `pg_dump --format=custom` (consistent while the system runs), restored with
  `pg_restore --clean --if-exists --no-owner` into the configured database.
- SQLite: the online backup API of sqlite3 (a consistent copy of a live database), restored
  by copying the file back (the system must be stopped for a restore).
- Media (case attachments, imports): a gzipped tar of MEDIA_ROOT, extracted in place.

A backup folder holds `database.dump` (PostgreSQL) or `database.sqlite3`, `media.tar.gz`
and `manifest.json` (when, what, the counts of cases, events and files)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program (postgresql-client)."""
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install PostgreSQL's client tools")
    return found


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    return args


def _counts(alias: str = "default") -> dict[str, int]:
    with connections[alias].cursor() as cursor:
        counts = {}
        for name, table in (
            ("cases", "tickets_ticket"),
            ("events", "tickets_ticketevent"),
            ("files", "tickets_attachment"),
            ("customers", "customers_customer"),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608  # fixed names
            counts[name] = cursor.fetchone()[0]
    return counts


def backup(folder: Path, *, alias: str = "default") -> dict:
    """Write a backup of the database and the media files into `folder` (created; it
    must be empty). Returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    db = connections[alias].settings_dict
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        target = folder / "database.dump"
        subprocess.run(  # noqa: S603  # our own settings, no user input
            [_tool("pg_dump"), "--format=custom", "--no-owner", *_pg_args(db),
             "--file", str(target), str(db["NAME"])],
            check=True, env=_pg_env(db), capture_output=True,
        )  # fmt: skip
    elif vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    else:  # pragma: no cover  # the project runs on PostgreSQL and SQLite
        raise NotImplementedError(vendor)
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / "media.tar.gz", "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    manifest = {
        "created": timezone.now().isoformat(),
        "database": vendor,
        "counts": _counts(alias),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _vendor(database: dict) -> str:
    engine = database["ENGINE"]
    return (
        "postgresql"
        if "postgresql" in engine
        else "sqlite"
        if "sqlite" in engine
        else engine
    )


def restore(
    folder: Path, *, database: dict | None = None, media_root: Path | None = None
):
    """Restore the backup in `folder` into a database (the configured one unless
    `database`, a DATABASES entry, names another; emptied of our tables first on
    PostgreSQL, the SQLite file replaced) and MEDIA_ROOT (or `media_root`). Returns the
    manifest of the backup."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if database is None:
        connections["default"].close()
        database = connections["default"].settings_dict
    vendor = _vendor(database)
    if vendor != manifest["database"]:
        raise ValueError(
            f"a {manifest['database']} backup cannot be restored into {vendor}"
        )
    if vendor == "postgresql":
        subprocess.run(  # noqa: S603  # our own settings, no user input
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
             *_pg_args(database), "--dbname", str(database["NAME"]),
             str(folder / "database.dump")],
            check=True, env=_pg_env(database), capture_output=True,
        )  # fmt: skip
    else:
        shutil.copyfile(folder / "database.sqlite3", str(database["NAME"]))
    media = Path(media_root or settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar.gz", "r:gz") as archive:
        for member in archive.getmembers():
            if not member.name.startswith("media"):
                continue
            member.name = member.name[len("media") :].lstrip("/") or "."
            archive.extract(member, media, filter="data")
    return manifest
