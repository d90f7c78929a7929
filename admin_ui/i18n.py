"""Every string the console shows comes from a gettext catalog: zh-CN, or English on request.

The catalogs are `admin_ui/locale/<locale>/LC_MESSAGES/messages.po` (and one `<concern>.po`
beside it per console concern, merged into it), read with Babel when the
module is imported and compiled in memory into gettext translations. Message ids are stable
keys ("nav.complaints"); each catalog holds that key's text, with `{name}` placeholders.
Templates and views only ever call `_()`, `label()` and the formatting helpers below; a test
extracts every `_()` key with Babel and checks both catalogs have it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_skeleton, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")
SESSION_KEY = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_BABEL_LOCALE = {"zh-CN": "zh_Hans_CN", "en": "en"}
_DIRECTORY = {"zh-CN": "zh_CN", "en": "en"}


def _load(locale: str) -> tuple[Translations, frozenset[str]]:
    """messages.po, and beside it one catalog per concern (e.g. analysis.po), merged."""
    folder = LOCALE_DIR / _DIRECTORY[locale] / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=_BABEL_LOCALE[locale])
    for path in sorted(folder.glob("*.po")):
        if path.name == "messages.po":
            continue
        with path.open("rb") as po:
            for message in read_po(po, locale=_BABEL_LOCALE[locale]):
                if message.id:
                    catalog[message.id] = message
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    ids = frozenset(str(message.id) for message in catalog if message.id and message.string)
    return Translations(fp=compiled), ids


_CATALOGS: dict[str, tuple[Translations, frozenset[str]]] = {
    locale: _load(locale) for locale in LOCALES
}


def message_ids(locale: str) -> frozenset[str]:
    return _CATALOGS[locale][1]


def _(key: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text for `key`; a missing key is a bug and raises KeyError, so tests catch it."""
    translations, ids = _CATALOGS.get(locale, _CATALOGS[DEFAULT_LOCALE])
    if key not in ids:
        raise KeyError(key)
    text = translations.gettext(key)
    return text.format(**params) if params else text


def has(key: str, locale: str = DEFAULT_LOCALE) -> bool:
    return key in _CATALOGS.get(locale, _CATALOGS[DEFAULT_LOCALE])[1]


def label(kind: str, value: str, locale: str = DEFAULT_LOCALE) -> str:
    """A person's word for an enum value ("status", "received" → 已受理); unknown → the value."""
    key = f"{kind}.{value}"
    return _(key, locale) if has(key, locale) else value


def locale_for(request: Any) -> str:
    """The locale the person chose (kept in the session); Chinese unless they switched."""
    scope = getattr(request, "scope", None)
    session: Mapping[str, Any] = (scope or {}).get("session") or {}
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


# formatting -----------------------------------------------------------------------------------


def yuan(fen: int | None) -> str:
    """Fen as a person reads yuan: 123456 -> '1,234.56' (integer arithmetic only)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def month_title(month: date, locale: str = DEFAULT_LOCALE) -> str:
    """'2026年11月' / 'November 2026'."""
    return str(format_skeleton("yMMMM", month, locale=_BABEL_LOCALE[locale]))


def short_month(month: date, locale: str = DEFAULT_LOCALE) -> str:
    """'2026-11' in both locales: compact enough for a chart axis."""
    return f"{month:%Y-%m}"


def weekday_names(locale: str = DEFAULT_LOCALE) -> list[str]:
    """Monday first: 周一 … 周日 / Mon … Sun."""
    names = get_day_names("abbreviated", locale=_BABEL_LOCALE[locale])
    return [str(names[day]) for day in range(7)]
