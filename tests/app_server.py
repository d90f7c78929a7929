"""The API in its own uvicorn process, for tests that need a real server: the browsers, the
edge's memory and body limits, several processes against one database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(port: int) -> list[str]:
    """uvicorn serving graphql_schema.app on 127.0.0.1:`port`."""
    return [
        *(sys.executable, "-m", "uvicorn", "graphql_schema.app:create_app", "--factory"),
        *("--http", "graphql_schema.server:OneWrite"),  # as `make run` and the image serve it
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]


@contextmanager
def serving(
    *, env: Mapping[str, str], log: IO[bytes] | int, timeout: float = 60
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The app started and answering /healthz (the test fails if it does not within
    `timeout`), then stopped: terminated, killed after 10 s."""
    port = free_port()
    process = subprocess.Popen(
        command(port), cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            name = getattr(log, "name", "its output")
            pytest.fail(f"the app did not start; see {name}")
        time.sleep(0.1)
    try:
        yield process, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
