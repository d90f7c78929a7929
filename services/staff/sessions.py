"""Console sessions, kept server-side: the cookie carries only a random key, this table the rest.

Logging out deletes the row, so a cookie captured before logout opens nothing afterwards; a
session also ends when it expires (an absolute lifetime from login) and when the staff member's
token version moves on (password change, deactivation, "log out everywhere").
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from datetime import timedelta

from services.config import settings
from services.staff.models import Staff, StaffSession
from services.staff.throttle import wall_now


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def open_session(staff: Staff) -> str:
    """A new session for a fresh login; returns the key for the cookie (stored only hashed)."""
    key = secrets.token_urlsafe(32)
    now = wall_now()
    await StaffSession.filter(staff_id=staff.id, expires_at__lte=now).delete()
    await StaffSession.create(
        key_hash=_hash(key),
        staff_id=staff.id,
        token_version=staff.token_version,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.admin_session_ttl_seconds),
    )
    return key


async def staff_for_session(key: str) -> Staff | None:
    """The active staff member of a live session, or None; one query."""
    row = (
        await StaffSession.filter(key_hash=_hash(key), expires_at__gt=wall_now())
        .select_related("staff")
        .first()
    )
    if row is None or not row.staff.is_active or row.token_version != row.staff.token_version:
        return None
    return row.staff


async def close_session(key: str) -> None:
    await StaffSession.filter(key_hash=_hash(key)).delete()


async def close_all_sessions(staff_id: int) -> int:
    """How many were open."""
    return await StaffSession.filter(staff_id=staff_id).delete()


async def open_session_counts() -> dict[int, int]:
    """Live sessions per staff id, for the console's staff page."""
    live = StaffSession.filter(expires_at__gt=wall_now())
    return dict(Counter(await live.values_list("staff_id", flat=True)))
