"""`make run`: databases, migrations, demo data, then the API + console and the worker.

PostgreSQL and Redis are started from the pip-installed binaries (data under .data/, kept
between runs) unless DATABASE_URL / REDIS_URL are set. Ctrl-C stops everything started here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from devservers import EmbeddedPostgres, EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = ROOT / ".data"


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


def main() -> int:
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    signal.signal(signal.SIGTERM, _interrupt)
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    children: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)
    env.setdefault("ENV", "dev")
    try:
        if "DATABASE_URL" not in env:
            pg = EmbeddedPostgres(DATA / "pg", port=_port("TOUSU_PG_PORT", 54329))
            admin = pg.start()
            started.append(pg)
            env["DATABASE_URL"] = asyncio.run(_ensure_database(admin, "tousu"))
            print(f"PostgreSQL (embedded): {env['DATABASE_URL']}")
        if "REDIS_URL" not in env:
            redis = EmbeddedRedis(DATA / "redis", port=_port("TOUSU_REDIS_PORT", 63799))
            env["REDIS_URL"] = redis.start()
            started.append(redis)
            print(f"Redis (embedded):      {env['REDIS_URL']}")
        python = str(BIN / "python")
        subprocess.run([python, "-m", "services.cli", "migrate"], env=env, cwd=ROOT, check=True)
        subprocess.run([python, "-m", "services.cli", "demo"], env=env, cwd=ROOT, check=True)
        host = env.get("HOST", "127.0.0.1")
        port = env.get("PORT", "8000")
        t0 = time.monotonic()
        children.append(
            subprocess.Popen(
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
                env=env,
                cwd=ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [str(BIN / "arq"), "workers.settings.WorkerSettings"], env=env, cwd=ROOT
            )
        )
        _wait_for_http(f"http://{host}:{port}/healthz", children[0])
        print(
            f"\nTousu is up in {time.monotonic() - t0:.1f}s (Ctrl-C stops everything):\n"
            f"  GraphQL + GraphiQL  http://{host}:{port}/graphql\n"
            f"  Admin console       http://{host}:{port}/admin/\n"
            f"  Health              http://{host}:{port}/healthz\n"
            f"  Demo logins (password 'tousu-demo'): handler, handler2, lead, supervisor,"
            f" manager, deputy, auditor, admin\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a process exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for server in reversed(started):
            server.stop()


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
