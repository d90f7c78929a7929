"""`make run` (scripts/run.py): refuses to start beside another instance, saying which port
and which variable moves it; documents every variable it reads."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "scripts" / "run.py"


def _variables() -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return [name for name, _, _ in run.VARIABLES]


def test_make_run_refuses_a_taken_port_and_names_it(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "TOUSU_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # nothing else is started
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
        done = subprocess.run(
            [sys.executable, str(RUN)], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 (PORT, for the API) is already in use" in done.stderr
    assert f"PORT={port + 10}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "data" / "make-run.pid").exists()


def test_make_run_refuses_a_data_folder_another_instance_holds(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "make-run.pid").write_text(f"{os.getpid()}\n")  # a live process: this test's
    env = {
        **os.environ,
        "PORT": "0",
        "TOUSU_DATA_DIR": str(data),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    done = subprocess.run(
        [sys.executable, str(RUN)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"is used by another `make run` (pid {os.getpid()})" in done.stderr
    assert (data / "make-run.pid").read_text() == f"{os.getpid()}\n"  # not taken over


def test_every_variable_make_run_reads_is_listed_and_in_the_readme():
    source = RUN.read_text()
    read = set(re.findall(r"""(?:environ|env)(?:\.get|\.setdefault)?\(\s*["']([A-Z_]+)""", source))
    read |= set(re.findall(r"""_port\("([A-Z_]+)\"""", source))
    read |= set(re.findall(r"""["']([A-Z_]+)["'] not in env""", source))
    listed = _variables()
    assert read <= set(listed), f"read but not documented: {read - set(listed)}"
    readme = (ROOT / "README.md").read_text()
    for name in listed:
        assert f"`{name}`" in readme, f"{name} is not in the README"
    help_text = subprocess.run(
        [sys.executable, str(RUN), "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert all(name in help_text for name in listed)
