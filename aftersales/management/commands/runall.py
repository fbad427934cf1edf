"""Run the whole system in the foreground: web server, Celery worker and Celery beat.

Used by `make run`. Ctrl-C (or SIGTERM) stops all three and waits for them, so no process is
left behind; if one of them dies, the others are stopped too.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from aftersales.demo import DEMO_PASSWORD, USERS

STOP_GRACE_SECONDS = 8


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and Celery beat; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000"))
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, **options):
        python = sys.executable
        address = f"{options['host']}:{options['port']}"
        commands = {
            "web": [python, "manage.py", "runserver", address, "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "aftersales", "worker", "-l", "info",
                f"--concurrency={options['concurrency']}", "-n", "worker@%h",
            ],
            "beat": [python, "-m", "celery", "-A", "aftersales", "beat", "-l", "info"],
        }  # fmt: skip
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, command in commands.items():
                # Own process group each, so a stop reaches every grandchild (worker pool).
                children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
            time.sleep(3)  # let the children print their start-up lines first
            self._banner(address)
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with {child.returncode}; stopping."
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop_all(children)
        self.stdout.write("Stopped web server, worker and beat.")

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if (
                child.poll() is None
            ):  # the leader shuts its own pool down (warm shutdown)
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
            with contextlib.suppress(
                ProcessLookupError
            ):  # leftovers in its group (pool)
                os.killpg(child.pid, signal.SIGKILL)

    def _banner(self, address: str) -> None:
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
        lines = [
            "",
            f"Aftersales is running at http://{address}/  (database: {database}, broker: {broker})",
            f"  API docs: http://{address}/api/docs/   health: http://{address}/healthz",
            f"  Outgoing e-mail/SMS: {settings.OUTBOX_DIR}/",
            f"  Demo logins (password '{DEMO_PASSWORD}'):",
        ]
        lines += [
            f"    {username:<22} {', '.join(roles)}"
            for username, *_r, roles, _m in USERS
        ]
        lines.append("  Press Ctrl-C to stop.\n")
        self.stdout.write("\n".join(lines))
