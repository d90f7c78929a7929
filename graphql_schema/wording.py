"""Decision reasons, notes and history texts in the staff API's language: Chinese by default,
English by `Accept-Language` (graphql_schema.guard sets it per request; the
partner API keeps the text as stored). The catalog and its renderer are services.wording,
which the console reads too."""

from __future__ import annotations

from graphql_schema import messages
from services import wording as _wording
from services.wording import CATALOGS, PATTERNS, Rendered, message_ids, render

__all__ = ["CATALOGS", "PATTERNS", "Rendered", "localize", "localize_all", "message_ids", "render"]


def localize(text: str, where: str | None = None) -> str:
    """A stored reason, note or history text for this request's reader; a handler's own
    words stay as typed."""
    return _wording.localize(text, where or messages.locale.get())


def localize_all(texts: list[str] | tuple[str, ...], where: str | None = None) -> list[str]:
    return _wording.localize_all(texts, where or messages.locale.get())
