"""The README's example session and docs/partners.md's curl examples, run as printed against the
app over the demo data, each answer compared with the one the document shows.

Each `curl … -d '<body>'` of a ```sh block is sent to the path it names, with the token or key
the document's variables hold; `'"$VAR"'` in a body is the value an earlier step captured. A
```json block right after is the expected answer: equal, except values the document elides
(`…`) and values that differ on every run (ids, instants, tokens, secrets, cursors).
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from graphql_schema.app import create_app
from services import clock, demo
from services.partners import cli as partners_cli
from services.partners.models import PartnerDispute

ROOT = Path(__file__).resolve().parents[2]
VOLATILE = {
    "id",
    "token",
    "expiresAt",
    "dueAt",
    "createdAt",
    "updatedAt",
    "occurredAt",
    "cursor",
    "endCursor",
    "startCursor",
    "apiKeyPrefix",
    "signingSecret",
    "nextAttemptAt",
    "attemptedAt",
    "durationMs",
    "disputeId",
}
SH = re.compile(r"```sh\n(.*?)```(?:\s*```json\n(.*?)```)?", re.S)


def examples(document: str) -> list[tuple[str, str | None]]:
    """(shell text, expected JSON or None) of every ```sh block that sends a request."""
    return [(sh, expected) for sh, expected in SH.findall(document) if "curl" in sh]


def curl(command: str, variables: dict[str, str]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Path, headers and JSON body of one curl command line (with its continuation lines)."""
    for name, value in variables.items():
        command = command.replace(f"'\"${name}\"'", value)
    words = shlex.split(command.replace("\\\n", " "))
    url = next(w for w in words if w.startswith(("http", "$TOUSU")))
    path = "/" + url.split("/", 3)[-1] if url.startswith("http") else url.removeprefix("$TOUSU")
    headers: dict[str, str] = {}
    body: dict[str, Any] = {}
    for flag, value in itertools.pairwise(words):
        if flag == "-H":
            name, _, text = value.partition(": ")
            for var, known in variables.items():
                text = text.replace(f"${var}", known)
            headers[name] = text
        elif flag == "-d":
            body = json.loads(value)
    return path, headers, body


def matches(expected: Any, actual: Any, key: str = "") -> bool:
    if key in VOLATILE and (expected is None) == (actual is None):
        return True
    if isinstance(expected, str) and "…" in expected:
        return isinstance(actual, str) and actual.startswith(expected.split("…")[0])
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(v, actual[k], k) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a, key) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where `matches` fails, for the assertion message."""
    if matches(expected, actual, path.rsplit(".", 1)[-1]):
        return []
    if isinstance(expected, dict) and isinstance(actual, dict) and expected.keys() == actual.keys():
        return [d for k in expected for d in differences(expected[k], actual[k], f"{path}.{k}")]
    return [f"{path}: the document shows {expected!r}, the answer is {actual!r}"]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    await demo.load_once()
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as client:
        yield client


async def _send(http: httpx.AsyncClient, sh: str, variables: dict[str, str]) -> dict[str, Any]:
    command = sh[sh.index("curl") :]
    command = command[: command.index("'}") + 2] if "'}" in command else command
    command = re.split(r"\n(?=\S)", command)[0].split(" | ")[0]
    path, headers, body = curl(command, variables)
    response = await http.post(path, json=body, headers=headers)
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_readme_example_session_runs_as_printed(http):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Example GraphQL session") :]
    [(sh, _)] = examples(section[: section.index("\n## ")])[:1]
    steps = [s for s in re.split(r"\n(?=# \d\.)", sh) if "curl" in s]
    variables: dict[str, str] = {}

    login = await _send(http, steps[0], variables)
    variables["TOKEN"] = login["data"]["login"]["token"]
    created = await _send(http, steps[1], variables)
    listed = await _send(http, steps[2], variables)

    shown = re.search(r"Step 2 answers with .*?\n`(\{.*?\})`", section, re.S)
    assert shown, "the README shows step 2's answer"
    assert matches(json.loads(shown.group(1)), created), differences(
        json.loads(shown.group(1)), created
    )
    assert "errors" not in listed and listed["data"]["complaints"]["totalCount"] >= 1


async def test_the_readme_names_who_can_approve_the_demo_refunds(http):
    readme = (ROOT / "README.md").read_text()
    named = re.search(r"Demo: log in as (.*?) to approve the demo refunds", readme, re.S)
    assert named
    said = set(re.findall(r"`(\w+)`", named.group(1)))
    queue = "{ refunds(first: 20, filter: {awaitingMyApproval: true}) { totalCount } }"
    able = set()
    for username in ("handler", "handler2", "lead", "supervisor", "manager", "deputy"):
        login = await http.post(
            "/graphql",
            json={
                "query": 'mutation($u: String!) { login(username: $u, password: "tousu-demo") '
                "{ ... on LoginSuccess { token } } }",
                "variables": {"u": username},
            },
        )
        token = login.json()["data"]["login"]["token"]
        mine = await http.post(
            "/graphql", json={"query": queue}, headers={"Authorization": f"Bearer {token}"}
        )
        if mine.json()["data"]["refunds"]["totalCount"]:
            able.add(username)
    assert able and said == able


async def test_the_partner_guide_examples_run_as_printed(http, capsys):
    clock.pin(datetime(2026, 11, 22, 11, 44, tzinfo=ZoneInfo("Asia/Shanghai")))  # its charges
    guide = (ROOT / "docs" / "partners.md").read_text()
    setup = re.search(
        r"```sh\n(python -m services\.partners\.cli create-partner.*?)```", guide, re.S
    )
    assert setup
    variables: dict[str, str] = {}
    for line in setup.group(1).splitlines():
        words = shlex.split(line.split("#")[0])[3:]
        if words[0] in ("revoke-key", "suspend", "register-webhook", "list-keys"):
            continue  # would end the key, stop the partner, or set the webhook the guide sets
        args = partners_cli.parser().parse_args(words)
        await args.run(args)
        if words[0] == "issue-key":
            variables["TOUSU_KEY"] = capsys.readouterr().out.split()[-1]

    checked = 0
    for sh, expected in examples(guide[guide.index("## 3. The API") :]):
        if "TOUSU=" in sh:
            continue
        answer = await _send(http, sh, variables)
        assert "errors" not in answer, (sh, answer)
        if "submitRefundDispute" in sh:
            variables["DISPUTE"] = answer["data"]["submitRefundDispute"]["dispute"]["id"]
        if expected and "webhookEvents" not in sh:  # that log is what the worker did over time
            assert matches(json.loads(expected), answer), differences(json.loads(expected), answer)
            checked += 1
    assert checked >= 5
    # the release time the guide's event log and webhook show (C-12: 6 working days on)
    submitted = await PartnerDispute.get(public_id=variables["DISPUTE"])
    assert submitted.release_at is not None
    shown = submitted.release_at.astimezone(UTC)
    assert f'"occurredAt":"{shown.isoformat()}"' in guide
    assert f'"createdAt":"{shown.isoformat().replace("+00:00", "Z")}"' in guide
