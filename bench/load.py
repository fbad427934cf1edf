"""Measuring over HTTP: the gunicorn server, signing in, and the load generators.

The server is the product's WSGI application (`aftersales.wsgi`) under gunicorn with two
sync workers on a loopback port, with the benchmark settings (DEBUG off). The load comes
from `wrk` (with a Lua script for headers, bodies and latency percentiles) when it is
installed, else from a Python load generator of one process per connection (http.client).
Each run is bounded by time.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- Server ---------------------------------------------------------------------------------


class Server:
    """gunicorn running the product on a loopback port until stopped."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = WORKERS):
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = open(self.log_path, "w")  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603  # our own gunicorn
            [str(gunicorn), "aftersales.wsgi:application",
             "--workers", str(self.workers), "--worker-class", "sync",
             "--bind", f"{HOST}:{self.port}", "--timeout", "300",
             "--graceful-timeout", "5", "--log-level", "warning"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                status, _h, _b = request(self.port, "GET", "/healthz")
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(p) for p in children.read_text().split())
        except OSError:
            return []

    def worker_rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker (VmRSS of /proc/<pid>/status), in MiB."""
        result = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if match:
                result[pid] = round(int(match.group(1)) / 1024, 1)
        return result

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


# --- Requests and sessions ------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 300,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request on a fresh connection: (status, headers lower-cased, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        head: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            head[key] = f"{head[key]}\n{value}" if key in head else value
        return response.status, head, data
    finally:
        connection.close()


def _cookies(head: dict[str, str]) -> dict[str, str]:
    jar = {}
    for line in head.get("set-cookie", "").split("\n"):
        if line:
            parsed = SimpleCookie()
            parsed.load(line)
            jar.update({k: v.value for k, v in parsed.items()})
    return jar


def session_login(port: int, username: str, password: str) -> dict[str, str]:
    """Sign in through /accounts/login/ (CSRF cookie and form token); the headers of a
    signed-in browser (Cookie with the session and CSRF cookies)."""
    status, head, page = request(port, "GET", "/accounts/login/")
    if status != 200:
        raise RuntimeError(f"GET /accounts/login/ answered {status}")
    jar = _cookies(head)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
        }
    ).encode()
    status, head, _body = request(
        port,
        "POST",
        "/accounts/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
        body=form,
    )
    jar.update(_cookies(head))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {username} failed ({status})")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def token_login(port: int, username: str, password: str) -> dict[str, str]:
    """An API token (POST /api/v1/auth/token/); the Authorization header."""
    status, _head, body = request(
        port,
        "POST",
        "/api/v1/auth/token/",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": username, "password": password}).encode(),
    )
    if status != 200:
        raise RuntimeError(f"token of {username}: {status} {body[:200]!r}")
    return {"Authorization": f"Token {json.loads(body)['token']}"}


# --- Load generators ------------------------------------------------------------------------


@dataclass
class LoadResult:
    """A bounded run: requests done, seconds, latency percentiles (ms), failures."""

    requests: int
    seconds: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    failures: int
    statuses: dict[str, int] = field(default_factory=dict)
    tool: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
done = function(summary, latency, requests)
  io.write("BENCH-JSON ")
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, ' ..
    '"errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout, summary.errors.timeout))
end
"""


def _lua_string(text: str | None) -> str:
    """A Lua string literal (or nil)."""
    if text is None:
        return "nil"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_command(
    port: int, path: str, *, script: str, seconds: float, connections: int
) -> list[str]:
    """wrk's command line: `connections` open connections on at most 2 threads."""
    return [
        "wrk",
        "-t", str(min(2, connections)),
        "-c", str(connections),
        "-d", f"{max(1, round(seconds))}s",
        "--timeout", "300s",
        "-s", script,
        f"http://{HOST}:{port}{path}",
    ]  # fmt: skip


def run_wrk(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    seconds: float = 5,
    connections: int = 4,
) -> LoadResult:
    """A bounded wrk run (2 threads) with latency percentiles from its Lua `done`."""
    lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
        for k, v in (headers or {}).items()
    )
    script = WRK_SCRIPT % {
        "method": _lua_string(method),
        "body": _lua_string(body),
        "headers": lines,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(  # noqa: S603
            wrk_command(port, path, script=handle.name, seconds=seconds,
                        connections=connections),
            capture_output=True, text=True, timeout=seconds + 600, check=False,
        ).stdout  # fmt: skip
    finally:
        os.unlink(handle.name)
    match = re.search(r"BENCH-JSON (\{.*\})", output)
    if not match:
        raise RuntimeError(f"wrk gave no result: {output[-500:]}")
    data = json.loads(match.group(1))
    return LoadResult(
        requests=data["requests"],
        seconds=data["seconds"],
        median_ms=round(data["p50"], 2),
        p95_ms=round(data["p95"], 2),
        p99_ms=round(data["p99"], 2),
        failures=data["errors"],  # connect/read/write errors, timeouts, status >= 400
        tool="wrk",
    )


def _python_worker(args) -> tuple[list[float], dict[int, int]]:
    port, method, path, headers, body, deadline = args
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    data = body.encode() if body is not None else None
    while time.monotonic() < deadline or not latencies:
        started = time.perf_counter()
        try:
            status, _h, _b = request(port, method, path, headers=headers, body=data)
        except OSError:
            status = 0
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses


def run_python(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    seconds: float = 5,
    connections: int = 4,
) -> LoadResult:
    """The fallback load generator: one process per connection, requests back to back
    (a new connection each, as gunicorn's sync workers close them) until the deadline."""
    started = time.monotonic()
    deadline = started + seconds
    jobs = [(port, method, path, headers or {}, body, deadline)] * connections
    with multiprocessing.get_context("fork").Pool(connections) as pool:
        results = pool.map(_python_worker, jobs)
    elapsed = time.monotonic() - started
    latencies = sorted(x for lat, _s in results for x in lat)
    statuses: dict[str, int] = {}
    for _lat, counts in results:
        for status, n in counts.items():
            statuses[str(status)] = statuses.get(str(status), 0) + n

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        median_ms=round(statistics.median(latencies), 2),
        p95_ms=round(percentile(0.95), 2),
        p99_ms=round(percentile(0.99), 2),
        failures=sum(n for s, n in statuses.items() if not s.startswith(("2", "3"))),
        statuses=statuses,
        tool="python",
    )


def run_load(port: int, path: str, *, tool: str, **kwargs) -> LoadResult:
    return (run_wrk if tool == "wrk" else run_python)(port, path, **kwargs)
