"""Settings read from the environment: production checks, database and broker switching."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from aftersales.settings import _email_settings

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AFTERSALES_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "aftersales.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "service.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = run_manage("check", env={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_database_and_broker_follow_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'])"
    )
    embedded = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={"DJANGO_DEBUG": "1", "DATABASE_URL": "", "REDIS_URL": ""},
    )
    assert embedded.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
    server = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/aftersales",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
    )
    assert server.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/3",
        "aftersales.cache.FailOpenRedisCache",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("outbox://", {"EMAIL_BACKEND": "aftersales.outbox.OutboxEmailBackend"}),
        (
            "smtp://user:p%40ss@mail.example.com:587?tls=1",
            {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 587, "EMAIL_HOST_PASSWORD": "p@ss",
             "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False},
        ),
        ("smtps://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
    ],
)  # fmt: skip
def test_email_url_is_translated(url, expected):
    settings = _email_settings(url)
    assert {key: settings[key] for key in expected} == expected


def test_outbox_email_backend_writes_one_file_per_message(tmp_path, settings):
    from django.core.mail import EmailMessage, get_connection

    settings.OUTBOX_DIR = tmp_path
    connection = get_connection("aftersales.outbox.OutboxEmailBackend")
    sent = connection.send_messages(
        [
            EmailMessage("One", "b", to=["a@x.cn"]),
            EmailMessage("Two", "b", to=["b@x.cn"]),
        ]
    )
    files = sorted(tmp_path.glob("*.eml"))
    assert sent == 2
    assert len(files) == 2
    assert {f.read_text().split("Subject: ")[1].split("\n")[0] for f in files} == {
        "One",
        "Two",
    }
