"""`make run`: databases, migrations, demo data, then the API + console and the worker.

PostgreSQL and Redis are started from the pip-installed binaries (data under .data/, kept
between runs) unless DATABASE_URL / REDIS_URL are set. PostgreSQL runs durably: a complaint the
API confirmed survives a crash.

Every process started here is supervised: one that dies (the API, the worker, PostgreSQL,
Redis) is started again after a back-off (1 s, doubling to 30 s; back to 1 s once it has run
for a minute), and the others keep running meanwhile. Ctrl-C (or SIGTERM) stops everything
started here, the worker and the API first. The children run in sessions of their own, so the
terminal's Ctrl-C reaches only this supervisor, which stops them in order, without a traceback.

It refuses to start when a port it needs is taken (another `make run`, most often), naming the
port and the variable that moves it, and when another `make run` uses the same data folder.

`python scripts/run.py --help` lists the variables it reads (VARIABLES below); everything else
in the environment goes to the API and the worker as it is (README, "Configuration").
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0  # a process that ran this long starts again without waiting

# name, default, meaning: the README's table of `make run`'s variables is this one
VARIABLES: list[tuple[str, str, str]] = [
    ("HOST", "127.0.0.1", "the address the API listens on (0.0.0.0: every interface)"),
    ("PORT", "8000", "the API's port (GraphQL, GraphiQL, the console, /healthz, /metrics)"),
    ("TOUSU_PG_PORT", "54329", "the embedded PostgreSQL's port (127.0.0.1)"),
    ("TOUSU_REDIS_PORT", "63799", "the embedded Redis's port (127.0.0.1)"),
    ("TOUSU_DATA_DIR", ".data", "where the embedded servers keep their data between runs"),
    ("DATABASE_URL", "(embedded)", "use this PostgreSQL instead of starting one"),
    ("REDIS_URL", "(embedded)", "use this Redis instead of starting one"),
    ("ENV", "dev", "passed on; dev turns on GraphiQL and introspection"),
    ("LOG_FORMAT", "text", "passed on; json: one JSON object per log line"),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "(empty: off)",
        "passed on; OpenTelemetry traces to this OTLP/HTTP collector",
    ),
    ("TOUSU_MAKE_STARTED", "(set by make)", "when `make run` started, for the banner's timing"),
]


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Refused(Exception):
    """`make run` cannot start; the message says why and what to do."""


def _taken(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is not taken
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def check_free(ports: list[tuple[str, str, int, str]], lock: Path) -> None:
    """Refuse, naming each taken port, its variable and what it was for; and refuse a data
    folder another live `make run` holds (`lock` has its pid)."""
    problems = [
        f"  port {port} on {host} ({variable}, for {what}) is already in use"
        for variable, host, port, what in ports
        if _taken(host, port)
    ]
    other = _holder(lock)
    if other:
        problems.append(f"  {lock.parent} is used by another `make run` (pid {other})")
    if problems:
        moves = " ".join(f"{v}={p + 10}" for v, _, p, _ in ports)
        raise Refused(
            "make run: not starting, another instance (or another program) is there:\n"
            + "\n".join(problems)
            + f"\nStop it (Ctrl-C in its terminal{f', or kill {other}' if other else ''}), "
            f"or run this one beside it: {moves} TOUSU_DATA_DIR=.data-2 make run"
        )


def _holder(lock: Path) -> int | None:
    try:
        pid = int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


async def _ensure_database(admin_url: str, name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass
class Supervised:
    """One process: how to start it (blocking until it is ready) and how to stop it."""

    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    stop: Callable[[subprocess.Popen[bytes]], None]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None

    def launch(self) -> None:
        self.process = self.start()
        self.started_at = time.monotonic()
        self.restart_at = None
        print(f"{self.name} started (pid {self.process.pid})", flush=True)

    def check(self, now: float) -> None:
        """Notice a death and schedule the restart; restart when its time has come."""
        if self.restart_at is None:
            if self.process is None or self.process.poll() is None:
                return
            if now - self.started_at >= STABLE_AFTER:
                self.delay = FIRST_DELAY
            code = self.process.returncode
            print(f"{self.name} exited ({code}); restarting in {self.delay:.0f} s", flush=True)
            self.restart_at = now + self.delay
            self.delay = min(self.delay * 2, MAX_DELAY)
        elif now >= self.restart_at:
            try:
                self.launch()
            except Exception as exc:  # e.g. PostgreSQL refusing to start yet: try again later
                print(f"{self.name} did not start ({exc}); again in {self.delay:.0f} s")
                self.started_at = now
                self.restart_at = now + self.delay
                self.delay = min(self.delay * 2, MAX_DELAY)

    def shutdown(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop(self.process)


def _server(name: str, server: object) -> Supervised:
    def start() -> subprocess.Popen[bytes]:
        server.start()  # type: ignore[attr-defined]
        process: subprocess.Popen[bytes] = server.process  # type: ignore[attr-defined]
        return process

    return Supervised(name, start, lambda process: server.stop())  # type: ignore[attr-defined]


def _child(name: str, command: list[str], env: dict[str, str]) -> Supervised:
    def stop(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def start() -> subprocess.Popen[bytes]:
        # its own session: the terminal's Ctrl-C is ours to pass on, in order
        return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)

    return Supervised(name, start, stop)


def _once(command: list[str], env: dict[str, str]) -> None:
    """A one-shot step (migrations, demo data), out of the terminal's reach like the others."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        raise
    if code:
        raise Refused(f"make run: `{' '.join(command[1:])}` failed (exit {code})")


def own_the_terminal() -> Callable[[], None]:
    """Make our process group the terminal's foreground group, so that its Ctrl-C reaches us
    alone: `make` (our parent) does not see it and prints no "Interrupt" line, and we stop the
    children in order. Gives the terminal back to the group it came from. No terminal, or not
    in the foreground (started with `&`): nothing to do."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return lambda: None
    try:
        before = os.tcgetpgrp(fd)
        if before != os.getpgrp():
            os.close(fd)
            return lambda: None
        os.setpgid(0, 0)
        _foreground(fd, os.getpgrp())
    except OSError:
        os.close(fd)
        return lambda: None

    def give_back() -> None:
        try:
            _foreground(fd, before)
        except OSError:
            pass
        finally:
            os.close(fd)

    return give_back


def _foreground(fd: int, group: int) -> None:
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # allowed from the background
    try:
        os.tcsetpgrp(fd, group)
    finally:
        signal.signal(signal.SIGTTOU, previous)


def usage() -> str:
    width = max(len(name) for name, _, _ in VARIABLES)
    lines = [f"  {name:<{width}}  {default:<14} {meaning}" for name, default, meaning in VARIABLES]
    return "make run reads (variable, default, meaning):\n" + "\n".join(lines)


def main() -> int:
    if sys.argv[1:] in (["--help"], ["-h"]):
        print(usage())
        return 0
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)  # the terminal closed: stop what we started
    give_back_terminal = own_the_terminal()
    started = float(os.environ.get("TOUSU_MAKE_STARTED") or time.time())
    data = Path(os.environ.get("TOUSU_DATA_DIR", ROOT / ".data"))
    lock = data / "make-run.pid"
    supervised: list[Supervised] = []
    env = dict(os.environ)
    env.setdefault("ENV", "dev")
    host = env.get("HOST", "127.0.0.1")
    port = int(env.get("PORT", "8000"))
    steps: list[str] = []
    try:
        ports = [("PORT", host, port, "the API")]
        if "DATABASE_URL" not in env:
            ports.append(
                ("TOUSU_PG_PORT", "127.0.0.1", _port("TOUSU_PG_PORT", 54329), "PostgreSQL")
            )
        if "REDIS_URL" not in env:
            ports.append(
                ("TOUSU_REDIS_PORT", "127.0.0.1", _port("TOUSU_REDIS_PORT", 63799), "Redis")
            )
        check_free(ports, lock)
        data.mkdir(parents=True, exist_ok=True)
        lock.write_text(f"{os.getpid()}\n")
        if time.time() - started > 1:
            steps.append(f"install {time.time() - started:.1f} s")
        t = time.time()
        sys.path.insert(0, str(ROOT / "scripts"))
        from devservers import EmbeddedPostgres, EmbeddedRedis

        if "DATABASE_URL" not in env:
            pg = EmbeddedPostgres(data / "pg", port=_port("TOUSU_PG_PORT", 54329), durable=True)
            supervised.append(_server("PostgreSQL", pg))
            supervised[-1].launch()
            env["DATABASE_URL"] = asyncio.run(_ensure_database(pg.url, "tousu"))
            print(f"PostgreSQL (embedded): {env['DATABASE_URL']}")
        if "REDIS_URL" not in env:
            redis = EmbeddedRedis(data / "redis", port=_port("TOUSU_REDIS_PORT", 63799))
            supervised.append(_server("Redis", redis))
            supervised[-1].launch()
            env["REDIS_URL"] = redis.url
            print(f"Redis (embedded):      {env['REDIS_URL']}")
        steps.append(f"databases {time.time() - t:.1f} s")
        t = time.time()
        python = str(BIN / "python")
        _once([python, "-m", "services.cli", "migrate"], env)
        _once([python, "-m", "services.cli", "demo"], env)
        steps.append(f"migrations and demo data {time.time() - t:.1f} s")
        t = time.time()
        api = _child(
            "API",
            [
                str(BIN / "uvicorn"),
                "graphql_schema.app:create_app",
                "--factory",
                "--http",
                "graphql_schema.server:OneWrite",  # a response in one socket write
                "--host",
                host,
                "--port",
                str(port),
                "--log-config",
                str(ROOT / "scripts" / "uvicorn_log.json"),
            ],
            env,
        )
        worker = _child("worker", [python, "-m", "workers"], env)
        for child in (api, worker):
            supervised.append(child)
            child.launch()
        assert api.process is not None
        shown = f"[{host}]" if ":" in host else host
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else shown
        _wait_for_http(f"http://{shown}:{port}/healthz", api.process)
        steps.append(f"API {time.time() - t:.1f} s")
        base = f"http://{shown}:{port}"
        print(
            f"\nTousu is up, {time.time() - started:.1f} s after `make run` "
            f"({', '.join(steps)}). Ctrl-C stops everything:\n"
            f"  GraphQL + GraphiQL  {base}/graphql\n"
            f"  Admin console       {base}/admin/\n"
            f"  Health              {base}/healthz  {base}/readyz  {base}/metrics\n"
            f"  Demo logins (password 'tousu-demo'): handler, handler2, lead, supervisor,"
            f" manager, deputy, auditor, admin\n",
            flush=True,
        )
        while True:
            for process in supervised:
                process.check(time.monotonic())
            time.sleep(0.2)
    except Refused as refused:
        print(refused, file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        for process in reversed(supervised):  # the worker and the API before the databases
            process.shutdown()
        if lock.exists() and lock.read_text().split()[:1] == [str(os.getpid())]:
            lock.unlink()
        if supervised:
            print("stopped", flush=True)
        give_back_terminal()


def _wait_for_http(url: str, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Refused("make run: the API process exited during start-up (its log is above)")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise Refused(f"make run: {url} did not answer within 60 s")


if __name__ == "__main__":
    sys.exit(main())
