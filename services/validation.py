"""Limits on every value a caller can send (issue 11): one table, checked at the edge.

Each string input has a maximum length, named once here: a character column's limit is read
from its model's `max_length`, so the two cannot disagree; free text stored in a TEXT column
has a limit of its own (`TEXT`, `NOTE`), which migration 0011 also enforces in the database
(`TEXT_COLUMNS`). No string may carry NUL or a lone surrogate (PostgreSQL and UTF-8 cannot hold
them), whole numbers stay within what the rules and columns can hold, and lists are bounded.

A limit is looked up by the input's name as the API spells it: `Owner.field` first (the input
type, or the query or mutation for an argument), then `field`. The GraphQL layer refuses to
build a schema with a string or whole-number input this table does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TypeVar

from tortoise.models import Model

from services.complaints.models import Complaint, ComplaintTask, Deadline
from services.errors import ErrorCode, Problem
from services.partners import disputes
from services.partners.models import PartnerDispute, WebhookEndpoint
from services.refunds.bands import HIGHEST_BAND
from services.refunds.idempotency import MAX_KEY_LENGTH
from services.refunds.models import Compensation, Refund, RefundLine
from services.staff.models import Staff

TEXT = 4000  # long free text: a complaint's summary and request, a plan, a result, a cause
NOTE = 2000  # a note, reason or description that goes with one step
# A complaint's follow-up details; a partner dispute's complaint holds the partner's whole
# submission there (a 2,000-character description, ten 500-character evidence references, 24
# billing months: about 7,500 characters at most).
DETAILS = 8000
ID_LENGTH = 64  # every ID: our numeric ids, and partner dispute ids (32 characters)
MAX_ITEMS = 100  # any list input
PASSWORD = 256  # argon2 hashes any length; nobody types more, and hashing more costs
MAX_FEN = 10_000_000  # 100,000 yuan: one amount above this is a typo, not a charge
# Dates and instants: far from year 1 and 9999, where deadline and time-zone arithmetic
# overflows; what lies between is for the rules to judge (a filter may well say 2999).
EARLIEST = date(1000, 1, 1)
LATEST = date(8999, 12, 31)
T = TypeVar("T")


def _column(model: type[Model], field: str) -> int:
    length = model._meta.fields_map[field].max_length  # type: ignore[attr-defined]
    assert isinstance(length, int), f"{model.__name__}.{field} has no max_length"
    return length


LENGTHS: dict[str, int] = {
    # complaint intake (C-2)
    "msisdn": 32,  # normalised to 11 digits; spaces, dashes and +86 are tolerated on the way
    "contactName": _column(Complaint, "contact_name"),
    "contactPhone": _column(Complaint, "contact_phone"),
    "contactEmail": 254,  # customers.email
    "serviceCode": _column(Complaint, "service_code"),  # 64 on every table that has one
    "spCode": _column(Complaint, "sp_code"),  # 32 likewise
    "province": _column(Complaint, "province"),
    "city": _column(Complaint, "city"),
    "location": _column(Complaint, "location"),
    "staffInvolved": _column(Complaint, "staff_involved"),
    "summary": TEXT,
    "details": DETAILS,
    "customerRequest": TEXT,
    # the life cycle and its handling (C-4, C-6 … C-9)
    "note": NOTE,
    "reason": NOTE,
    "text": TEXT,  # handler assist: a text to suggest scenarios for, or to check (S-2, S-3)
    "saveKeywordLibrary.text": 60_000,  # the whole keyword library (services.assist)
    "saveAssistScenario.code": 32,
    "AssistScenarioInput.title": 100,
    "AssistScenarioInput.situation": NOTE,
    "AssistScenarioInput.measure": NOTE,
    "AssistScenarioInput.examples": 500,
    "AssistScenarioInput.escalation": 500,
    "plan": TEXT,
    "cause": TEXT,
    "solution": TEXT,
    "prevention": TEXT,
    "matterKey": _column(Complaint, "matter_key"),
    "promise": NOTE,
    "key": _column(Deadline, "key"),
    "title": _column(ComplaintTask, "title"),
    # refunds and compensation
    "matter": _column(Refund, "matter"),
    "measures": TEXT,
    "cashExceptionReason": NOTE,
    "description": NOTE,
    "ChargeLineInput.description": _column(RefundLine, "description"),
    "invoiceRef": _column(Compensation, "invoice_ref"),
    "exposedProblem": NOTE,
    "specialReason": NOTE,
    "idempotencyKey": MAX_KEY_LENGTH,
    "after": 128,  # a cursor: base64 of a kind, a timestamp and an id
    "before": 128,  # a cursor, paging backward
    # monthly analysis and rectification (C-11, A-3)
    "month": 16,  # YYYY-MM; parse_month says what else is wrong with it
    "region": _column(Complaint, "province"),  # a province or a city: 32 either way
    "rootCause": 32,  # a root-cause code (services.analysis.models.RootCause.code)
    "causeCode": 32,
    "code": 32,
    "name": 100,
    "departmentCode": 32,
    "result": TEXT,
    # logging in
    "username": _column(Staff, "username"),
    "password": PASSWORD,
    "currentPassword": PASSWORD,
    "newPassword": PASSWORD,
    # the partner API
    "disputes.after": _column(PartnerDispute, "public_id"),
    "SubmitRefundDisputeInput.description": disputes.MAX_DESCRIPTION,
    "evidence": disputes.MAX_EVIDENCE_LENGTH,
    "period": 16,  # YYYY-MM; the dispute rules say what else is wrong with it
    "url": _column(WebhookEndpoint, "url"),
}

RANGES: dict[str, tuple[int, int]] = {
    "first": (1, 100),
    "last": (1, 100),
    "dueWithinHours": (0, 24 * 366),
    "band": (0, HIGHEST_BAND),
    "chargedFen": (0, MAX_FEN),
    "shouldHaveChargedFen": (0, MAX_FEN),
    "valueFen": (0, MAX_FEN),
    "amountFen": (0, MAX_FEN),
    "tenureDays": (0, 100 * 366),
    "refundsLast3Months": (0, 10_000),
}

# The TEXT columns written from those inputs, each with its CHECK (char_length(column) <= N)
# in migration 0011. Columns that compose text from several inputs (events, ledger notes)
# carry no constraint: their inputs are limited one by one.
TEXT_COLUMNS: dict[tuple[str, str], int] = {
    ("complaints", "summary"): TEXT,
    ("complaints", "details"): DETAILS,
    ("complaints", "customer_request"): TEXT,
    ("complaints", "plan"): TEXT,
    ("complaints", "result_cause"): TEXT,
    ("complaints", "result_solution"): TEXT,
    ("complaints", "result_prevention"): TEXT,
    ("complaints", "revisit_note"): NOTE,
    ("complaints", "paused_reason"): NOTE,
    ("complaint_tasks", "done_note"): NOTE,
    ("refunds", "cause"): TEXT,
    ("refunds", "cash_exception_reason"): NOTE,
    ("refunds", "verification_cause"): TEXT,
    ("refunds", "verification_measures"): TEXT,
    ("refunds", "confirmation_note"): NOTE,
    ("refund_approvals", "reason"): NOTE,
    ("compensations", "description"): NOTE,
    ("partner_disputes", "description"): disputes.MAX_DESCRIPTION,
}


def _lookup(table: Mapping[str, T], owner: str, name: str, what: str) -> T:
    for key in (f"{owner}.{name}", name):
        if key in table:
            return table[key]
    raise KeyError(f"no {what} for {owner}.{name}: add one to services.validation")


def length_of(owner: str, name: str) -> int:
    """The most characters `name` (an input of `owner`) may have."""
    return _lookup(LENGTHS, owner, name, "length limit")


def range_of(owner: str, name: str) -> tuple[int, int]:
    """The smallest and largest whole number `name` (an input of `owner`) may be."""
    return _lookup(RANGES, owner, name, "range")


def text_problem(field: str, value: str, limit: int) -> Problem | None:
    """Too long, or holding what no column can store (NUL, a lone surrogate)."""
    if len(value) > limit:
        return _problem(field, f"{field} must be at most {limit} characters, got {len(value)}.")
    if "\x00" in value:
        return _problem(field, f"{field} must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _problem(field, f"{field} must be valid Unicode text (a lone surrogate is not).")
    return None


def number_problem(field: str, value: int, bounds: tuple[int, int]) -> Problem | None:
    low, high = bounds
    if low <= value <= high:
        return None
    return _problem(field, f"{field} must be from {low} to {high}, got {value}.")


def items_problem(field: str, count: int, limit: int = MAX_ITEMS) -> Problem | None:
    if count <= limit:
        return None
    return _problem(field, f"{field} may hold at most {limit} items, got {count}.")


def moment_problem(field: str, value: date) -> Problem | None:
    """An instant without a time zone (it names no moment), or a year out of every range."""
    if isinstance(value, datetime) and value.utcoffset() is None:
        return _problem(field, f"{field} needs a time zone (a UTC offset such as +08:00).")
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST <= day <= LATEST:
        return None
    return _problem(field, f"{field} must fall between {EARLIEST.year} and {LATEST.year}.")


def _problem(field: str, message: str) -> Problem:
    return Problem(field, ErrorCode.INVALID_INPUT, message)
