"""`make run`: databases, migrations, demo data, then the API + console and the worker.

PostgreSQL and Redis are started from the pip-installed binaries (data under .data/, kept
between runs; `TOUSU_DATA_DIR` moves it) unless DATABASE_URL / REDIS_URL are set. PostgreSQL
runs durably: a complaint the API confirmed survives a crash.

Every process started here is supervised: one that dies (the API, the worker, PostgreSQL,
Redis) is started again after a back-off (1 s, doubling to 30 s; back to 1 s once it has run
for a minute), and the others keep running meanwhile. Ctrl-C stops everything started here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from devservers import EmbeddedPostgres, EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0  # a process that ran this long starts again without waiting


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


async def _ensure_database(admin_url: str, name: str) -> str:
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


def _server(name: str, server: EmbeddedPostgres | EmbeddedRedis) -> Supervised:
    def start() -> subprocess.Popen[bytes]:
        server.start()
        assert server.process is not None
        return server.process

    return Supervised(name, start, lambda process: server.stop())


def _child(name: str, command: list[str], env: dict[str, str]) -> Supervised:
    def stop(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    return Supervised(name, lambda: subprocess.Popen(command, env=env, cwd=ROOT), stop)


def main() -> int:
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    signal.signal(signal.SIGTERM, _interrupt)
    data = Path(os.environ.get("TOUSU_DATA_DIR", ROOT / ".data"))
    supervised: list[Supervised] = []
    env = dict(os.environ)
    env.setdefault("ENV", "dev")
    try:
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
        python = str(BIN / "python")
        subprocess.run([python, "-m", "services.cli", "migrate"], env=env, cwd=ROOT, check=True)
        subprocess.run([python, "-m", "services.cli", "demo"], env=env, cwd=ROOT, check=True)
        host = env.get("HOST", "127.0.0.1")
        port = env.get("PORT", "8000")
        t0 = time.monotonic()
        api = _child(
            "API",
            [
                str(BIN / "uvicorn"),
                "graphql_schema.app:create_app",
                "--factory",
                "--host",
                host,
                "--port",
                port,
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
        _wait_for_http(f"http://{host}:{port}/healthz", api.process)
        print(
            f"\nTousu is up in {time.monotonic() - t0:.1f}s (Ctrl-C stops everything):\n"
            f"  GraphQL + GraphiQL  http://{host}:{port}/graphql\n"
            f"  Admin console       http://{host}:{port}/admin/\n"
            f"  Health              http://{host}:{port}/healthz\n"
            f"  Demo logins (password 'tousu-demo'): handler, handler2, lead, supervisor,"
            f" manager, deputy, auditor, admin\n",
            flush=True,
        )
        while True:
            for process in supervised:
                process.check(time.monotonic())
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in reversed(supervised):  # the worker and the API before the databases
            process.shutdown()


def _wait_for_http(url: str, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API process exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 60s")


if __name__ == "__main__":
    sys.exit(main())
