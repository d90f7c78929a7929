"""R-14: the customer's SMS after a refund is executed, rendered exactly as the rulebook says."""

from __future__ import annotations

from datetime import date

TEMPLATE = "refund_executed"


def yuan_digits(fen: int) -> str:
    """3000 -> '30.00': the amount as the customer reads it, integer arithmetic only."""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"


def refund_executed_sms(*, matter: str, executed_on: date, amount_fen: int, signature: str) -> str:
    """R-14: 「尊敬的客户,您反映的{matter}问题,已于{yyyy}年{mm}月{dd}日对您完成退费处理,…」."""
    return (
        f"尊敬的客户,您反映的{matter}问题,已于{executed_on.year:04d}年{executed_on.month:02d}月"
        f"{executed_on.day:02d}日对您完成退费处理,退费金额{yuan_digits(amount_fen)}元,"
        f"感谢您的支持与关注。{signature}"
    )
