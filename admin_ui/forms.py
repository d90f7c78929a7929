"""Reading a submitted form: every value checked on the server, every problem a clear sentence.

A `Form` collects one message per field (already translated) and keeps what was typed, so a
refused form comes back filled in, with each problem next to its field; nothing is written
while `form.ok` is false.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from admin_ui import i18n

_MONEY = re.compile(r"^-?\d+(\.\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
MAX_TEXT = 2000


class Form:
    def __init__(self, data: Mapping[str, Any], locale: str):
        self.raw = {name: value for name, value in data.items() if isinstance(value, str)}
        self.locale = locale
        self.errors: dict[str, str] = {}

    @classmethod
    async def read(cls, request: Request) -> Form:
        data: FormData = await request.form()
        return cls(data, i18n.locale_for(request))

    @property
    def ok(self) -> bool:
        return not self.errors

    def value(self, name: str) -> str:
        return self.raw.get(name, "").strip()

    def label(self, label_key: str) -> str:
        return i18n._(label_key, self.locale)

    def error(self, name: str, key: str, /, **params: Any) -> None:
        """Record the first problem of a field (later ones would only repeat it)."""
        self.errors.setdefault(name, i18n._(key, self.locale, **params))

    def text(
        self, name: str, label_key: str, *, required: bool = True, max_length: int = MAX_TEXT
    ) -> str:
        value = self.value(name)
        if required and not value:
            self.error(name, "form.required", label=self.label(label_key))
        elif len(value) > max_length:
            self.error(name, "form.too_long", label=self.label(label_key), max=max_length)
        return value

    def integer(
        self,
        name: str,
        label_key: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = True,
    ) -> int | None:
        raw = self.value(name)
        label = self.label(label_key)
        if not raw:
            if required:
                self.error(name, "form.required", label=label)
            return None
        if not _INTEGER.match(raw) or len(raw) > 12:
            self.error(name, "form.integer", label=label)
            return None
        number = int(raw)
        if minimum is not None and number < minimum:
            self.error(name, "form.min", label=label, minimum=minimum)
            return None
        if maximum is not None and number > maximum:
            self.error(name, "form.max", label=label, maximum=maximum)
            return None
        return number

    def money(self, name: str, label_key: str, *, minimum_fen: int = 0) -> int | None:
        """Yuan as typed ('200', '200.5', '1,200.00') to fen; negative and sub-fen refused."""
        raw = self.value(name).replace(",", "").replace("，", "")
        label = self.label(label_key)
        if not raw:
            self.error(name, "form.required", label=label)
            return None
        if not _MONEY.match(raw) or len(raw) > 15:
            self.error(name, "form.money", label=label)
            return None
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            self.error(name, "form.money", label=label)
            return None
        if amount < 0:
            self.error(name, "form.money_negative", label=label)
            return None
        fen = amount * 100
        if fen != fen.to_integral_value():
            self.error(name, "form.money_decimals", label=label)
            return None
        if int(fen) < minimum_fen:
            self.error(name, "form.money_min", label=label, minimum=i18n.yuan(minimum_fen))
            return None
        return int(fen)

    def day(self, name: str, label_key: str, *, required: bool = True) -> date | None:
        raw = self.value(name)
        if not raw:
            if required:
                self.error(name, "form.required", label=self.label(label_key))
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.error(name, "form.date", label=self.label(label_key))
            return None

    def choice(self, name: str, label_key: str, choices: Iterable[str]) -> str | None:
        raw = self.value(name)
        if raw not in set(choices):
            self.error(name, "form.choice", label=self.label(label_key))
            return None
        return raw


def money_text(fen: int) -> str:
    """Fen as a form field shows them: 20000 -> '200.00' (no thousands separator)."""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"
