"""Threshold forms: which thresholds one page edits, how its fields read and check, its preview.

A group edits one or more registered thresholds (services.thresholds) together under one
reason. Its `parse` turns the typed fields into new threshold values, recording every problem
in the Form (in the reader's language); the owning domain module's validator then checks the
values again, so a value the domain refuses is never stored. `preview` shows what the change
would do, computed by the same domain functions the API uses.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from admin_ui import i18n
from admin_ui.forms import Form, money_text
from services.errors import InvalidInput
from services.thresholds import service as thresholds


@dataclass
class Preview:
    """A before/after table: one row per sample or setting, flagged where the change bites."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    changed: list[bool] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, cells: list[str], changed: bool) -> None:
        self.rows.append(cells)
        self.changed.append(changed)


class Group:
    """One configuration page; subclasses say which thresholds and how they read."""

    slug: str
    title_key: str
    intro_key: str
    rules: str
    keys: tuple[str, ...]
    template = "config/fields_numbers.html"

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        return None

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        return [(key, json.dumps(value, ensure_ascii=False))]

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        """What the group's field template needs beyond the typed values."""
        return {}

    async def after_save(self) -> None:
        """After a change was stored (saved or restored): what the change sets going."""
        return None


def domain_check(form: Form, values: dict[str, Any]) -> None:
    """The owning module's validator has the last word: its refusal is shown, nothing stored."""
    registry = thresholds.registered()
    for key, value in values.items():
        try:
            registry[key].validate(value)
        except InvalidInput as exc:
            form.error("__all__", "form.rejected", detail=exc.message)


# groups of plain numbers ----------------------------------------------------------------------


@dataclass(frozen=True)
class NumberField:
    name: str  # the form field
    key: str  # the threshold
    part: str | None  # the number inside an object value, None for a plain number
    label_key: str
    unit_key: str = ""  # money is always shown in yuan
    money: bool = False
    minimum: int = 1  # fen for money


class NumberGroup(Group):
    def __init__(
        self,
        *,
        slug: str,
        title_key: str,
        intro_key: str,
        rules: str,
        fields: tuple[NumberField, ...],
        check: Callable[[Form, dict[str, Any]], None] | None = None,
        notes: Callable[[dict[str, Any], dict[str, Any], str], Awaitable[list[str]]] | None = None,
    ):
        self.slug, self.title_key, self.intro_key, self.rules = slug, title_key, intro_key, rules
        self.fields = fields
        self.keys = tuple(dict.fromkeys(f.key for f in fields))
        self._check = check
        self._notes = notes

    def _number(self, f: NumberField, current: dict[str, Any]) -> int:
        value = current[f.key]
        number: int = value[f.part] if f.part is not None else value
        return number

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        return {
            f.name: money_text(self._number(f, current))
            if f.money
            else str(self._number(f, current))
            for f in self.fields
        }

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: dict(current[key]) if isinstance(current[key], dict) else current[key]
            for key in self.keys
        }
        for f in self.fields:
            if f.money:
                number = form.money(f.name, f.label_key, minimum_fen=f.minimum)
            else:
                number = form.integer(f.name, f.label_key, minimum=f.minimum, maximum=100_000)
            if number is None:
                continue
            if f.part is None:
                values[f.key] = number
            else:
                values[f.key][f.part] = number
        if form.ok and self._check is not None:
            self._check(form, values)
        return values

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        headers = ("preview.setting", "preview.before", "preview.after")
        table = Preview(headers=[i18n._(h, locale) for h in headers])
        for f in self.fields:
            old, new = self._number(f, before), self._number(f, after)
            table.add(
                [i18n._(f.label_key, locale), self.show(f, old, locale), self.show(f, new, locale)],
                old != new,
            )
        if self._notes is not None:
            table.notes.extend(await self._notes(before, after, locale))
        return table

    def show(self, f: NumberField, number: int, locale: str) -> str:
        if f.money:
            return i18n._("money.yuan", locale, amount=i18n.yuan(number))
        if f.unit_key:
            return f"{number} {i18n._(f.unit_key, locale)}"
        return str(number)

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        shown = []
        for f in self.fields:
            if f.key != key:
                continue
            number = value[f.part] if f.part is not None else value
            shown.append((i18n._(f.label_key, locale), self.show(f, number, locale)))
        return shown

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        return {"number_fields": self.fields}


# anything else a domain module registers ------------------------------------------------------


class GenericGroup(Group):
    """A threshold no page was designed for (a new one): a number, or JSON checked by its owner."""

    template = "config/fields_generic.html"

    def __init__(self, key: str):
        self.slug = key
        self.keys = (key,)
        self.title_key = "config.generic.title"
        self.intro_key = "config.generic.intro"
        self.rules = ""
        self.number = isinstance(thresholds.registered()[key].default, int)

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        value = current[self.slug]
        return {"value": str(value) if self.number else json.dumps(value, ensure_ascii=False)}

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        if self.number:
            number = form.integer("value", "config.generic.value", minimum=0)
            return {self.slug: number if number is not None else current[self.slug]}
        raw = form.value("value")
        try:
            value = json.loads(raw)
        except ValueError:
            form.error("value", "form.json", label=form.label("config.generic.value"))
            return {self.slug: current[self.slug]}
        return {self.slug: value}

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        return {
            "description": thresholds.registered()[self.slug].description,
            "number": self.number,
        }
