"""Phone numbers (MSISDN): validation and masking (C-1, C-12)."""

from __future__ import annotations

import re
import unicodedata

from services.errors import ErrorCode, InvalidInput

_MSISDN = re.compile(r"1[0-9]{10}")

# A number as people write it: digits of any script (full-width ０-９ too) joined by up to three
# spaces, dashes, brackets, dots or slashes ("138 1234 5678", "(+86)138-1234-5678",
# "138.1234.5678", "138/1234/5678"), or by invisible characters (zero-width space and joiners,
# word joiner, soft hyphen, byte-order mark) pasted between the digits; only runs of ten or
# more digits can be a phone number, so shorter ones never reach the Python callback.
_SEPARATOR = (
    r"[ \t\u00a0\u3000()\-\u2010-\u2015\u2212\ufe63\uff08\uff09\uff0d"
    r"./\uff0e\uff0f\u00ad\u200b-\u200d\u2060\ufeff]"
)
_NUMBER = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d){{9,}}")
# Digits to keep visible for each shape, as (leading, trailing): a mobile with or without +86,
# a landline with its area code (0 + 2-3 digits + 7-8 digits) with or without +86.
_SHAPES = [
    (re.compile(r"(?:0086|86)?1[0-9]{10}"), lambda d: (len(d) - 8, 4)),
    (re.compile(r"0[1-9][0-9]{8,10}"), lambda d: (3, 4)),
    (re.compile(r"(?:0086|86)[1-9][0-9]{8,10}"), lambda d: (len(d) - 8, 4)),
]
_MOBILE_INSIDE = re.compile(r"1[3-9][0-9]{9}")


def ascii_digits(text: str) -> str:
    """The digits of `text` as 0-9, whatever script they were typed in; everything else dropped."""
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


def normalize_msisdn(raw: str, *, field: str = "msisdn") -> str:
    """An MSISDN is 11 digits starting with 1; spaces, dashes and a +86 prefix are tolerated.

    Full-width digits (１３８…) are read as the same number, so one customer is one row.
    """
    text = re.sub(r"[\s\-]", "", raw or "")
    digits = ascii_digits(text)
    if len(digits) != len(text) - text.startswith("+"):
        digits = ""  # anything but digits (and a leading +) is not a phone number
    if text.startswith("+86") or text.startswith("0086"):
        digits = digits[2:] if text.startswith("+") else digits[4:]
    if not _MSISDN.fullmatch(digits):
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


def _visible(digits: str) -> tuple[int, int] | None:
    """How many leading and trailing digits may show, or None when no phone number is in there."""
    for shape, keep in _SHAPES:
        if shape.fullmatch(digits):
            return keep(digits)
    if len(digits) > 11 and _MOBILE_INSIDE.search(digits):
        return 3, 4  # a mobile inside a longer run: the whole run is hidden
    return None


def _mask_number(match: re.Match[str]) -> str:
    written = match.group(0)
    digits = ascii_digits(written)
    keep = _visible(digits)
    if keep is None:
        return written
    first, last = keep[0], len(digits) - keep[1]
    out, seen = [], 0
    for char in written:
        if char.isdecimal():
            out.append(char if seen < first or seen >= last else "*")
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def mask_in_text(text: str) -> str:
    """Every phone number in free text masked in place, keeping the text's length (C-12).

    Mobiles (also inside longer digit runs), landlines with their area code, +86/0086/86
    prefixes, full-width digits, spaces, dashes, dots, slashes and invisible characters between
    the digits: `+86 138-1234-5678` → `+86 138-****-5678`.
    """
    return _NUMBER.sub(_mask_number, text)


def phones_in(text: str) -> list[str]:
    """The phone numbers `mask_in_text` would hide, as written (for checks, never for logs)."""
    return [m.group(0) for m in _NUMBER.finditer(text) if _visible(ascii_digits(m.group(0)))]
