"""The refund rules' configurable numbers, stored as versioned thresholds (DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from services.errors import InvalidInput
from services.refunds.policy import (
    DEFAULT_BANDS,
    DEFAULT_GIFT_ALLOWANCES,
    DEFAULT_RISK_THRESHOLDS,
    ApprovalBands,
    GiftAllowances,
    RiskThresholds,
)
from services.thresholds import service as thresholds

BANDS = "refund.approval_bands"
RISK = "refund.risk_thresholds"
GIFTS = "refund.gift_allowances"
SMS_SIGNATURE = "notice.sms_signature"


def _as(kind: type[Any], value: Any) -> Any:
    if not isinstance(value, dict):
        raise InvalidInput("The value must be an object of named numbers.", field="value")
    try:
        return kind(**value)
    except TypeError as exc:
        raise InvalidInput(f"Unexpected or missing field: {exc}.", field="value") from None


def _checks(kind: type[Any]) -> Callable[[Any], None]:
    def validate(value: Any) -> None:
        _as(kind, value)

    return validate


def _signature(value: Any) -> None:
    # an object, not a bare string: Tortoise's JSONField reads a str value as JSON text
    text = value.get("text") if isinstance(value, dict) and set(value) == {"text"} else None
    if not isinstance(text, str) or not text.strip() or len(text) > 20:
        raise InvalidInput('The SMS signature is {"text": "1 to 20 characters"}.', field="value")


thresholds.register(
    BANDS,
    asdict(DEFAULT_BANDS),
    "R-12 approval bands in fen: band 0 limit and inclusive upper bounds of bands 1-3, "
    "company liable and not liable.",
    _checks(ApprovalBands),
)
thresholds.register(
    RISK,
    asdict(DEFAULT_RISK_THRESHOLDS),
    "K-1/K-2 special customers: refunds in a month, sums in fen, quiet months to leave.",
    _checks(RiskThresholds),
)
thresholds.register(
    GIFTS,
    asdict(DEFAULT_GIFT_ALLOWANCES),
    "R-10 visit gift allowance per customer class, in fen (inclusive).",
    _checks(GiftAllowances),
)
thresholds.register(
    SMS_SIGNATURE, {"text": "【中国移动】"}, "R-14: the operator's SMS signature.", _signature
)


async def bands() -> ApprovalBands:
    result: ApprovalBands = _as(ApprovalBands, await thresholds.current(BANDS))
    return result


async def risk_thresholds() -> RiskThresholds:
    result: RiskThresholds = _as(RiskThresholds, await thresholds.current(RISK))
    return result


async def gift_allowances() -> GiftAllowances:
    result: GiftAllowances = _as(GiftAllowances, await thresholds.current(GIFTS))
    return result


async def sms_signature() -> str:
    return str((await thresholds.current(SMS_SIGNATURE))["text"])
