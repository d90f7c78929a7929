"""Config fails closed (issue 11): ENV defaults to production, and outside dev/test a missing,
placeholder or short SECRET_KEY (it signs tokens and console sessions) stops start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from starlette.config import Config

from services.config import ROOT

LOAD = "from services.config import settings; print(settings.env, settings.dev)"


def start(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter with exactly this ENV / SECRET_KEY."""
    environ = {k: v for k, v in os.environ.items() if k not in ("ENV", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "-c", LOAD],
        env={**environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_i11_without_env_or_secret_key_start_up_stops_with_a_clear_message():
    started = start()

    assert started.returncode == 1
    assert started.stdout == ""
    assert "Traceback" not in started.stderr
    assert started.stderr.startswith(
        "tousu will not start: SECRET_KEY is not set (ENV=production)."
    )
    assert "ENV=dev" in started.stderr


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("dev-only-secret-key-change-me", "is a published placeholder"),
        ("change-me", "is a published placeholder"),
        ("short-key", "is shorter than 16 characters"),
    ],
)
def test_i11_a_default_or_short_secret_key_stops_production(secret: str, problem: str):
    started = start(ENV="prod", SECRET_KEY=secret)

    assert started.returncode == 1
    assert f"SECRET_KEY {problem} (ENV=prod)" in started.stderr
    assert secret not in started.stderr


def test_i11_env_defaults_to_production_with_a_real_key():
    started = start(SECRET_KEY="k" * 48)

    assert (started.returncode, started.stdout) == (0, "production False\n")


@pytest.mark.parametrize("env", ["dev", "test"])
def test_i11_dev_and_test_start_without_a_secret_key(env: str):
    started = start(ENV=env)

    assert (started.returncode, started.stdout) == (0, f"{env} {env == 'dev'}\n")


def test_i11_the_example_env_file_reads_as_written():
    example = Config(ROOT / ".env.example", environ={})

    assert example("ENV") == "dev"
    assert example("TOKEN_TTL_SECONDS", cast=int) == 28800
    assert example("TIMEZONE") == "Asia/Shanghai"


def test_the_example_env_file_names_the_notice_gateways_with_their_defaults():
    example = Config(ROOT / ".env.example", environ={})

    assert example("NOTICE_GATEWAY") == "outbox"
    assert example("NOTICE_EMAIL_GATEWAY") == "outbox"
    assert example("NOTICE_RECEIPT_WAIT_MINUTES", cast=int) == 240
