"""Phone numbers (MSISDN): validation and masking (C-1, C-12)."""

from __future__ import annotations

import re

from services.errors import ErrorCode, InvalidInput

_MSISDN = re.compile(r"^1\d{10}$")


def normalize_msisdn(raw: str, *, field: str = "msisdn") -> str:
    """An MSISDN is 11 digits starting with 1; spaces, dashes and a +86 prefix are tolerated."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MSISDN.match(digits):
        raise InvalidInput(
            "A phone number must be 11 digits starting with 1, e.g. 13812341234.",
            code=ErrorCode.INVALID_MSISDN,
            field=field,
        )
    return digits


def mask(phone: str) -> str:
    """138****1234: the first three and last four digits stay; anything shorter is fully hidden."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
