"""A real IMAP server for the tests of the service mailbox: Debian's dovecot, on
127.0.0.1 with TLS only (a self-signed certificate made with openssl), one mailbox user.
Standard library only, so that .ci/run can start it before the virtualenv exists:

    python3 tests/mailserver.py start /tmp/aftersales-imap   # prints the shell exports
    python3 tests/mailserver.py stop /tmp/aftersales-imap

The tests use AFTERSALES_TEST_IMAP_URL (and AFTERSALES_TEST_IMAP_CA) when set, else
start a server of their own with `start()`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "service", "imap-test-secret"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    ca_file: str

    @property
    def url(self) -> str:
        return f"imaps://{self.user}:{self.password}@{self.host}:{self.port}/INBOX"


def available() -> bool:
    return Path(DOVECOT).exists() and Path(OPENSSL).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(folder: Path, port: int) -> str:
    return f"""base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = yes
mail_location = maildir:{folder}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/users
}}
userdb {{
  driver = passwd-file
  args = {folder}/users
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


def start(folder: str | Path, port: int | None = None) -> ImapServer:
    """Start dovecot in the background with its files in `folder` (made empty first)."""
    folder = Path(folder)
    stop(folder)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "home").mkdir(parents=True)
    (folder / "home").chmod(0o1777)
    port = port or _free_port()
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    # dovecot never gives mail to root: as root the mailbox belongs to nobody
    uid = gid = 65534 if os.getuid() == 0 else None
    uid, gid = uid or os.getuid(), gid or os.getgid()
    (folder / "users").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{folder}/home/{USER}\n"
    )
    (folder / "dovecot.conf").write_text(_config(folder, port))
    subprocess.run([DOVECOT, "-c", str(folder / "dovecot.conf")], check=True)
    for _attempt in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        log = folder / "dovecot.log"
        raise RuntimeError(f"dovecot did not start: {log.read_text()[-2000:]}")
    return ImapServer("127.0.0.1", port, USER, PASSWORD, str(folder / "cert.pem"))


def stop(folder: str | Path) -> None:
    """Stop the dovecot started with its files in `folder`, if it runs."""
    config = Path(folder) / "dovecot.conf"
    if config.exists():
        subprocess.run(
            [DOVEADM, "-c", str(config), "stop"], capture_output=True, check=False
        )


if __name__ == "__main__":
    command, where = sys.argv[1], sys.argv[2]
    if command == "start":
        server = start(where)
        sys.stdout.write(
            f"export AFTERSALES_TEST_IMAP_URL='{server.url}'\n"
            f"export AFTERSALES_TEST_IMAP_CA='{server.ca_file}'\n"
        )
    else:
        stop(where)
