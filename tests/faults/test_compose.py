"""docker-compose.yml: every long-running service restarts on its own and reports its health."""

from __future__ import annotations

import yaml

from tests.faults.stack import ROOT


def test_compose_restarts_and_health_checks_every_long_running_service():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    long_running = {name for name, s in services.items() if name != "migrate"}

    assert long_running == {"postgres", "redis", "api", "worker"}
    assert {services[n].get("restart") for n in long_running} == {"unless-stopped"}
    assert all(services[n]["healthcheck"]["test"] for n in long_running)
    assert services["worker"]["command"] == ["python", "-m", "workers"]
    assert services["migrate"]["restart"] == "on-failure"  # a one-shot job, retried until done
