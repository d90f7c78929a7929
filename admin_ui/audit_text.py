"""A finding in words: the code and figures the audit stored, as the reader's language says them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from admin_ui import i18n
from admin_ui.rendering import localtime
from services.phones import mask_in_text

_ENUM_PARAMS = {
    "expected": "multiple_or_kind",
    "actual": "multiple_or_kind",
    "method": "method",
    "approval": "track",
    "refund": "track",
    "step": "step",
    "status": "refund_status",
}


def _param(name: str, value: Any, locale: str) -> Any:
    if name == "at" and value is None:  # a limit passed and the step never came (A-1 re-checks)
        return i18n._("audit.step_not_taken", locale)
    if name.endswith("_fen") and isinstance(value, int):
        return i18n.yuan(value)
    if name in ("due", "at") and isinstance(value, str):
        try:
            return localtime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if name in _ENUM_PARAMS and isinstance(value, str):
        return i18n.label(_ENUM_PARAMS[name], value, locale)
    return value


def describe_finding(code: str, params: dict[str, Any], note: str, locale: str) -> str:
    """'审批档位应为第 2 档，记录为第 1 档'; an auditor's own finding is their note. Console
    readers handle no complaint: a number typed into the note is masked (C-12)."""
    return mask_in_text(_describe(code, params, note, locale))


def _describe(code: str, params: dict[str, Any], note: str, locale: str) -> str:
    key = f"finding.{code}"
    if code == "review" or not i18n.has(key, locale):
        return note
    shown = {name: _param(name, value, locale) for name, value in params.items()}
    try:
        return i18n._(key, locale, **shown)
    except (KeyError, IndexError):  # the text wants a figure that was not stored
        return f"{i18n._(key, locale)} {shown}"
