"""The refund rules' vocabulary: enums, the shared Decision, and integer-fen money helpers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from services.errors import InvalidInput


class BusinessType(StrEnum):
    """R-2: the business a refund belongs to."""

    SELF_OPERATED = "self_operated"
    PARTNER = "partner"
    SERVICE_ERROR = "service_error"


class Liability(StrEnum):
    """R-3: compensatory (赔偿性, company liable) or goodwill (补偿性, company not liable)."""

    COMPANY_LIABLE = "company_liable"
    NOT_LIABLE = "not_liable"


class ChargeCategory(StrEnum):
    """What the refund is for; the first ten are R-4's billing errors (double when liable)."""

    CALL_RECORD_ERROR = "call_record_error"  # too-short / too-long call records
    DUPLICATE_RECORD = "duplicate_record"
    WRONG_TIME_BAND = "wrong_time_band"
    FREE_NUMBER_CHARGED = "free_number_charged"
    DATA_NO_SESSION = "data_no_session"
    DATA_TYPE_MISBILLED = "data_type_misbilled"  # connection type billed unlike advertised
    VAS_COUNT_OR_CHANNEL_ERROR = "vas_count_or_channel_error"  # SMS/MMS count or channel fee
    INFORMATION_FEE_ERROR = "information_fee_error"
    MMS_GPRS_TRAFFIC = "mms_gprs_traffic"
    DISCOUNT_NOT_APPLIED = "discount_not_applied"
    SERVICE_UNUSABLE = "service_unusable"
    UNKNOWING_SUBSCRIPTION = "unknowing_subscription"
    SERVICE_ERROR = "service_error"
    GOODWILL = "goodwill"
    OTHER = "other"


BILLING_ERRORS: frozenset[ChargeCategory] = frozenset(
    {
        ChargeCategory.CALL_RECORD_ERROR,
        ChargeCategory.DUPLICATE_RECORD,
        ChargeCategory.WRONG_TIME_BAND,
        ChargeCategory.FREE_NUMBER_CHARGED,
        ChargeCategory.DATA_NO_SESSION,
        ChargeCategory.DATA_TYPE_MISBILLED,
        ChargeCategory.VAS_COUNT_OR_CHANNEL_ERROR,
        ChargeCategory.INFORMATION_FEE_ERROR,
        ChargeCategory.MMS_GPRS_TRAFFIC,
        ChargeCategory.DISCOUNT_NOT_APPLIED,
    }
)


class Multiple(StrEnum):
    """R-4: single (单倍) or double (双倍) refund."""

    SINGLE = "single"
    DOUBLE = "double"


class RefundMethod(StrEnum):
    """R-6 and R-13: how the money goes back."""

    ACCOUNT_CREDIT = "account_credit"  # 账户充值
    BILL_ADJUSTMENT = "bill_adjustment"  # 调账, applied on next month's bill
    CASH = "cash"


class Flow(StrEnum):
    """R-7/R-8: refund first, verify later (先退费、后查证) or verify first (先查证、后退费)."""

    REFUND_FIRST = "refund_first"
    VERIFY_FIRST = "verify_first"


class CustomerTier(StrEnum):
    """Customer tiers; values mirror services.customers.models.Tier so the two compare equal."""

    ORDINARY = "ordinary"
    MID_HIGH_END = "mid_high_end"
    GOLD_AND_ABOVE = "gold_and_above"
    GROUP_CONTACT = "group_contact"
    GOVERNMENT_CONTACT = "government_contact"


@dataclass(frozen=True, slots=True)
class Decision:
    """A yes/no answer with the reasons a handler can read back."""

    allowed: bool
    reasons: tuple[str, ...]


def yuan(fen: int) -> str:
    """Fen as a person reads them: 20001 -> '200.01 yuan' (integer arithmetic only)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d} yuan"


def require_count(value: object, field: str, *, minimum: int = 0, rule: str = "") -> int:
    """A whole number at least `minimum`, else InvalidInput naming the field (and the rule)."""
    cite = f"{rule}: " if rule else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{cite}{field} must be a whole number, got {value!r}.", field=field)
    if value < minimum:
        raise InvalidInput(f"{cite}{field} must be at least {minimum}, got {value}.", field=field)
    return value


def require_fen(value: object, field: str, *, minimum: int = 0, rule: str = "") -> int:
    """A money amount: an int of fen (1 yuan = 100 fen), never a float, at least `minimum`."""
    cite = f"{rule}: " if rule else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{cite}{field} must be a whole number of fen (1 yuan = 100 fen), got {value!r}.",
            field=field,
        )
    if value < minimum:
        message = f"{cite}{field} must be at least {minimum} fen, got {value}."
        raise InvalidInput(message, field=field)
    return value


E = TypeVar("E", bound=StrEnum)


def coerce(kind: type[E], value: object, field: str) -> E:
    """The enum member for `value` (a member or its string), else InvalidInput naming the field."""
    try:
        return kind(value if isinstance(value, str) else str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        message = f"{field} must be one of: {allowed}; got {value!r}."
        raise InvalidInput(message, field=field) from None
