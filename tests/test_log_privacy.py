"""C-12 in the logs: no phone number, in any written form, and no whole user input in a log line.

The service tests send what leaked before (issue 11: numbers inside longer digit runs,
full-width digits, over-long inputs echoed by validation messages) through the real ASGI app
and read every record logged at DEBUG, SQL included.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.validators import MaxLengthValidator

from graphql_schema.app import create_app
from services import logs
from services.complaints import service
from services.phones import mask_in_text, normalize_msisdn, phones_in
from services.staff.models import Role
from services.staff.service import issue_token
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
CREATE = """mutation($input: CreateComplaintInput!) { createComplaint(input: $input) {
  __typename ... on Error { code message } } }"""
WRITTEN_FORMS = [
    ("13812345678", "138****5678"),
    ("１３８１２３４５６７８", "１３８****５６７８"),  # full-width
    ("138１２３４5678", "138****5678"),  # half full-width
    ("138 1234 5678", "138 **** 5678"),
    ("138-1234-5678", "138-****-5678"),
    ("+86 138 1234 5678", "+86 138 **** 5678"),
    ("+8613812345678", "+86138****5678"),
    ("0086-138-1234-5678", "0086-138-****-5678"),
    ("(+86)138 - 1234 - 5678", "(+86)138 - **** - 5678"),
    ("电话13812345678请回电", "电话138****5678请回电"),
    ("order 9913812345678123", "order 991*********8123"),  # inside a longer digit run
    ("138001380001380013800", "138**************3800"),  # two numbers run together
    ("010-12345678", "010-****5678"),  # landline with its area code
    ("(0755)1234 5678", "(075*)**** 5678"),
    ("+86 10 1234 5678", "+86 10 **** 5678"),
    ("138.1234.5678", "138.****.5678"),  # dots
    ("１３８．１２３４．５６７８", "１３８．****．５６７８"),  # full-width dots
    ("138/1234/5678", "138/****/5678"),  # slashes
    ("138\u200b1234\u200b5678", "138\u200b****\u200b5678"),  # zero-width spaces pasted in
    ("1\u200d3\u200d8\u20601234\ufeff5678", "1\u200d3\u200d8\u2060****\ufeff5678"),  # joiners
    ("138\u00ad1234\u00ad5678", "138\u00ad****\u00ad5678"),  # soft hyphens
]
LEFT_ALONE = [
    "notice 17 sent via http (attempt 2); retry at 2026-03-10T10:05:00+08:00",
    "complaint 1234567 at 2026-03-10 10:00:00.123456+08:00",
    "127.0.0.1:54321 - POST /graphql HTTP/1.1 200",
    "timing 0.0123s, 10 queries, batch of 1000",
    "released 2026/03/10 10:05 as v2026.03.10.1 on 10.20.30.40",
]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(with_lifespan=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


async def create_complaint(http: httpx.AsyncClient, **fields: str) -> dict[str, Any]:
    """The GraphQL answer to createComplaint for customer 13800138000 with these fields."""
    handler = await f.staff(Role.HANDLER)
    customer = await f.customer("13800138000")
    values = {
        "msisdn": customer.msisdn,
        "contactName": "张先生",
        "channel": "HOTLINE",
        "category": "BILLING_ERROR",
        "summary": "本月话费多扣了 30 元",
        "customerRequest": "退还多扣的费用",
        **fields,
    }
    response = await http.post(
        "/graphql",
        json={"query": CREATE, "variables": {"input": values}},
        headers={"Authorization": f"Bearer {issue_token(handler)}"},
    )
    return dict(response.json())


def assert_no_phone_and_no_long_line(text: str) -> None:
    assert phones_in(text) == []
    longest = max(map(len, text.splitlines()))
    assert longest <= logs.MESSAGE_LIMIT + 200  # level, logger name and the cut marker


@pytest.mark.parametrize(("written", "masked"), WRITTEN_FORMS)
def test_c12_phone_numbers_are_masked_in_every_written_form(written: str, masked: str) -> None:
    assert phones_in(written) != []
    assert mask_in_text(written) == masked
    assert phones_in(masked) == []


@pytest.mark.parametrize("line", LEFT_ALONE)
def test_c12_ids_times_and_addresses_are_left_alone(line: str) -> None:
    assert mask_in_text(line) == line
    assert logs.clean(line) == line


def test_c12_a_long_quoted_value_is_shortened_and_short_ones_kept() -> None:
    sql = "['user5', 'branch', 0, datetime(2026, 3, 10, tzinfo=ZoneInfo(key='Asia/Shanghai'))]"
    echoed = f"Length of '{'x' * 150}' 150 > 100"

    assert logs.clean(sql) == sql
    assert logs.clean(echoed) == f"Length of '{'x' * 24}…' (150 characters) 150 > 100"


def test_c1_full_width_msisdn_is_the_same_customer_number() -> None:
    assert normalize_msisdn("１３８ １２３４ ５６７８") == "13812345678"
    assert normalize_msisdn("+86 138-1234-5678") == "13812345678"


async def test_c12_numbers_typed_into_a_complaint_are_masked_in_debug_logs(http, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    note = "回电 ９９１３９１２３４５６７８, 139 1234 5678 或 +86 139-1234-5678"

    body = await create_complaint(
        http,
        msisdn="１３８ ００１３ ８０００",
        contactPhone="１３９-１２３４-５６７８",
        summary=note,
        customerRequest=note,
    )

    assert body["data"]["createComplaint"]["__typename"] == "ComplaintResult"
    assert "138****8000" in caplog.text  # the SQL of the request was logged, numbers masked
    assert_no_phone_and_no_long_line(caplog.text)


async def test_c12_an_over_long_phone_echoed_by_validation_is_masked(http, caplog) -> None:
    """Issue 11's digit run: Tortoise's length check quoted it, the old mask missed it."""
    caplog.set_level(logging.DEBUG)

    body = await create_complaint(http, contactPhone="13912345678" * 3)

    assert "ComplaintResult" not in str(body)
    assert "138****8000" in caplog.text
    assert_no_phone_and_no_long_line(caplog.text)


async def test_c12_input_echoed_by_an_unexpected_error_is_cut_and_masked(
    http, caplog, monkeypatch
) -> None:
    location = "营业厅 13912345678 " + "很长的地址" * 30

    async def echoes_its_input(*, actor: object, intake: service.Intake) -> None:
        MaxLengthValidator(20)(intake.location)  # Tortoise's message quotes the whole value

    monkeypatch.setattr(service, "create_complaint", echoes_its_input)
    caplog.set_level(logging.DEBUG)

    body = await create_complaint(http, location=location)

    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "Unexpected error." in body["errors"][0]["message"]  # after the Chinese sentence
    [logged] = [r for r in caplog.records if r.getMessage().startswith("unexpected error")]
    assert logged.exc_text and "ValidationError: Length of '营业厅 139****5678" in logged.exc_text
    assert "很长的地址" * 30 not in caplog.text  # not echoed whole
    assert_no_phone_and_no_long_line(caplog.text)


async def test_c12_admin_login_with_a_phone_as_username_never_logs_it(http, caplog) -> None:
    caplog.set_level(logging.INFO)
    page = await http.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token

    response = await http.post(
        "/admin/login",
        data={"username": "１３９-1234-5678", "password": "wrong", "csrf_token": token[1]},
    )

    assert response.status_code == 401
    assert "admin login failed" in caplog.text
    assert_no_phone_and_no_long_line(caplog.text)


def test_c12_exception_arguments_and_bad_format_arguments_are_masked(caplog) -> None:
    logs.install_cleaning()
    log = logging.getLogger("tousu.test")
    try:
        raise ValueError("no such customer", "13912345678", "x" * 5000)
    except ValueError:
        log.exception("lookup failed for %s", "+86 139 1234 5678")
    log.warning("two placeholders %s %s, one argument", "13912345678")

    records = [r for r in caplog.records if r.name == "tousu.test"]
    assert [r.exc_info for r in records] == [None, None]
    assert "+86 139 **** 5678" in caplog.text and "'139****5678'" in caplog.text
    assert_no_phone_and_no_long_line(caplog.text)


@pytest.mark.parametrize(
    "setup",
    [
        "from graphql_schema.app import create_app; create_app()",
        "import json, logging.config; "
        "logging.config.dictConfig(json.load(open('scripts/uvicorn_log.json')))",
    ],
    ids=["api", "uvicorn-log-config"],
)
def test_c12_each_process_logs_masked_numbers_to_stderr(setup: str) -> None:
    emit = (
        "import logging; logging.getLogger('uvicorn.error').warning('call 13912345678'); "
        "logging.getLogger('arq.worker').info('job for ９９１３９１２３４５６７８')"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"{setup}; {emit}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert "call 139****5678" in done.stderr and "job for ９９１******５６７８" in done.stderr
    assert phones_in(done.stderr) == []


LEAKY_SESSION = """
import logging
import os

from services import logs


def test_printed_numbers_are_not_logs():
    print("13912345678")  # output, not a log record: the scan does not read it


def test_a_cleaned_record():
    logging.getLogger("tousu").warning("call %s", "+86 139 1234 5678")


def test_a_record_that_escapes_the_mask(monkeypatch):
    monkeypatch.setattr(logs, "mask_in_text", lambda text: text)
    logging.getLogger("tousu").warning("call %s", "１３９１２３４５６７８")
"""


def test_c12_the_log_scan_fails_the_run_on_a_logged_number_only(tmp_path: Path) -> None:
    (tmp_path / "test_leaky.py").write_text(LEAKY_SESSION)

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.log_scan"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "3 passed" in done.stdout
    assert done.returncode == 1
    [hit] = [line for line in done.stdout.splitlines() if line.startswith("test-logs-")]
    assert "[test_leaky.py::test_a_record_that_escapes_the_mask]" in hit
    assert "call １３９****５６７８" in hit  # listed masked
    assert "1 with a phone number" in done.stdout
    assert list((tmp_path / ".data").glob("test-logs-*.log"))  # kept for a look
