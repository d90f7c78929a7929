"""C-12: what is private about a customer, and how it reads for those not entitled to it.

Pure. Who is entitled is the permission table's `SEE_*` views (services.permissions.table);
phone numbers are masked by services.phones, the same regex the log masking uses.
"""

from __future__ import annotations

from services.phones import mask, mask_in_text

HIDDEN = "（已隐藏）"  # a private free text for someone who does not handle the complaint

# the complaint's private fields: the customer's words, notes about them, where they were
PRIVATE_TEXT_FIELDS = frozenset(
    {"summary", "details", "customer_request", "location", "revisit_note", "paused_reason"}
)
NAME_FIELDS = frozenset({"contact_name"})
PHONE_FIELDS = frozenset({"contact_phone"})


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: the first character stays, the rest is hidden."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def hide(text: str) -> str:
    """A private free text: nothing of it shows, only that there is one."""
    return HIDDEN if text.strip() else ""


def field_value(field: str, value: str) -> str:
    """A field's value (e.g. in a history entry) as someone not entitled sees it."""
    if field in PRIVATE_TEXT_FIELDS:
        return hide(value)
    if field in NAME_FIELDS:
        return mask_name(value)
    if field in PHONE_FIELDS:
        return mask(value)
    return mask_in_text(value)


class Viewer:
    """Applies C-12 for one reader of one complaint: everything as is, or masked."""

    def __init__(self, entitled: bool):
        self.entitled = entitled

    def phone(self, value: str) -> str:
        return value if self.entitled else mask(value)

    def name(self, value: str) -> str:
        return value if self.entitled else mask_name(value)

    def private(self, value: str) -> str:
        return value if self.entitled else hide(value)

    def text(self, value: str) -> str:
        """A free text that is not private as such: only the numbers typed into it hide."""
        return value if self.entitled else mask_in_text(value)

    def field(self, field: str, value: str) -> str:
        return value if self.entitled else field_value(field, value)
