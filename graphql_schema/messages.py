"""Messages people read, in Chinese by default and in English by `Accept-Language`.

The services word every refusal in English (their tests and logs read it). At the GraphQL edge
each message is matched, by its message id, against the same gettext catalogs the console
uses (`admin_ui/locale/<locale>/LC_MESSAGES/api.po`, read with Babel): the English catalog
holds each message as the services word it, `{name}` standing for a value, and the Chinese
catalog the same id's text. Values are carried over; statuses, steps and "who may" phrases
are themselves looked up (`status.*`, `refund_status.*` of the console's catalog, `api.action.*`,
`api.who.*`). A message no entry matches yet reads as its code's sentence (`api.code.*`)
followed by the services' words in brackets, so its details (numbers, names) are not lost.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from graphql import GraphQLError

DEFAULT = "zh-CN"
LOCALES = ("zh-CN", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "admin_ui" / "locale"
_FOLDER = {"zh-CN": "zh_CN", "en": "en"}
# each GraphQL request sets it from Accept-Language (transport.py, guard.py); elsewhere (the
# console's own calls) messages stay as the services word them
locale: ContextVar[str] = ContextVar("tousu_locale", default="en")


def _catalog(where: str, name: str) -> dict[str, str]:
    with (LOCALE_DIR / _FOLDER[where] / "LC_MESSAGES" / name).open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and m.string}


CATALOGS: dict[str, dict[str, str]] = {where: _catalog(where, "api.po") for where in LOCALES}
# the console's words for statuses (status.received → 已受理)
_CONSOLE = _catalog("zh-CN", "messages.po")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _pattern(english: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(english)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex, re.S)


# every catalogued message but the per-code sentences and the looked-up words, longest first
# (the most specific wording wins)
PATTERNS: list[tuple[str, re.Pattern[str]]] = sorted(
    (
        (key, _pattern(text))
        for key, text in CATALOGS["en"].items()
        if not key.startswith(("api.code.", "api.who.", "api.action.", "api.thing."))
    ),
    key=lambda item: -len(item[1].pattern),
)
_WHO = {text: key for key, text in CATALOGS["en"].items() if key.startswith("api.who.")}


def locale_of_context(context: Any) -> str:
    """The locale of a GraphQL request's context (its request's Accept-Language): zh-CN when
    there is no request."""
    request: Any = getattr(context, "request", None)
    return locale_of(request.headers.get("accept-language", "") if request is not None else "")


@lru_cache(maxsize=256)  # a handful of browsers' headers; parsed once each
def locale_of(accept_language: str) -> str:
    """zh-CN unless the header prefers English (`en`, `en-US;q=0.9`, …) over Chinese."""
    ranked = []
    for i, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def _word(name: str, value: str) -> str:
    """A value inside a message, in Chinese where the catalogs have a word for it."""
    if name == "who":
        key = _WHO.get(value)
        return CATALOGS["zh-CN"][key] if key else value
    if name == "thing":
        return CATALOGS["zh-CN"].get(f"api.thing.{value.replace(' ', '_')}", value)
    if name in ("action", "use"):
        return CATALOGS["zh-CN"].get(f"api.action.{value.replace(' ', '_')}", value)
    if name in ("status", "allowed"):
        words = [
            _CONSOLE.get(f"status.{v}") or _CONSOLE.get(f"refund_status.{v}") or v
            for v in value.split(", ")
        ]
        return "、".join(words)
    return value


def translate(message: str, code: str | None, where: str | None = None) -> str:
    """`message` (the services' English) for a reader of `where` (this request's locale)."""
    where = where or locale.get()
    if where == "en" or not message or _CJK.search(message):  # some are worded in Chinese
        return message
    zh = CATALOGS["zh-CN"]
    for key, pattern in PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            values = {k: _word(k, v) for k, v in found.groupdict().items()}
            return zh[key].format(**values)
    from graphql_schema import wording  # the rules' own refusals (R-10, R-11) are wordings

    rule = wording.render(message)
    if rule.complete:
        return rule.text
    if code and f"api.code.{code}" in zh:  # not catalogued yet: the code's sentence, and
        return f"{zh[f'api.code.{code}']}（{message}）"  # the details as the services gave them
    return message


def message_ids(where: str) -> set[str]:
    return set(CATALOGS[where])


def reword(error: GraphQLError) -> None:
    """A top-level error worded in this request's locale (every error has a code by now:
    coded_errors, bugs and GraphQL's own)."""
    code = (error.extensions or {}).get("code")
    if code:
        error.message = translate(error.message, str(code))
