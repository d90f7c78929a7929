"""A member of staff's life cycle: password change, deactivation, reactivation, "log out
everywhere". Every step but reactivation moves the token version on, which revokes every bearer
token and console session issued before it; deactivation also makes logging in impossible.
Called by the CLI (`by` None), the console's staff page (admins) and GraphQL `changePassword`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from services.errors import InvalidInput, NotFound, PermissionDenied
from services.staff import sessions
from services.staff.models import Staff
from services.staff.service import PASSWORD_MAX, hash_password, is_plausible, log_in

log = logging.getLogger(__name__)

PASSWORD_MIN = 10


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN:
        return f"Choose a password of at least {PASSWORD_MIN} characters."
    if not is_plausible(password, PASSWORD_MAX):
        return f"A password has at most {PASSWORD_MAX} characters and no control characters."
    return None


async def staff_by_username(username: str) -> Staff:
    staff = await Staff.get_or_none(username=username.strip()[:64])
    if staff is None:
        raise NotFound("No member of staff has this username.", field="username")
    return staff


async def _revoke(staff_id: int, reason: str, by: Staff | None, **changes: Any) -> Staff:
    """Apply `changes`, move the token version on and close every session, in one transaction."""
    async with in_transaction():
        updated = await Staff.filter(id=staff_id).update(
            token_version=F("token_version") + 1, **changes
        )
        if not updated:
            raise NotFound("No member of staff has this id.", field="staff_id")
        closed = await sessions.close_all_sessions(staff_id)
    log.info(
        "staff %s: %s by %s; tokens revoked, %d console sessions closed",
        staff_id,
        reason,
        f"staff {by.id}" if by else "the CLI",
        closed,
    )
    return await Staff.get(id=staff_id)


async def change_password(*, staff_id: int, new_password: str, by: Staff | None) -> Staff:
    """Set a new password (an admin's reset, or the CLI); every session of the account ends."""
    problem = password_problem(new_password)
    if problem:
        raise InvalidInput(problem, field="new_password")
    password_hash = await asyncio.to_thread(hash_password, new_password)
    return await _revoke(staff_id, "password changed", by, password_hash=password_hash)


async def change_own_password(
    *, staff: Staff, current_password: str, new_password: str, address: str
) -> Staff:
    """The logged-in user's own change: the current password is checked like a login (throttled)."""
    problem = password_problem(new_password)
    if problem:
        raise InvalidInput(problem, field="new_password")
    await log_in(username=staff.username, password=current_password, address=address)
    return await change_password(staff_id=staff.id, new_password=new_password, by=staff)


async def deactivate(*, staff_id: int, by: Staff | None) -> Staff:
    """No more logins; every token and session ends. Admins cannot deactivate themselves."""
    if by is not None and by.id == staff_id:
        raise PermissionDenied("You cannot deactivate your own account.")
    return await _revoke(staff_id, "deactivated", by, is_active=False)


async def reactivate(*, staff_id: int, by: Staff | None) -> Staff:
    """Logins work again; tokens from before the deactivation stay revoked."""
    if not await Staff.filter(id=staff_id).update(is_active=True):
        raise NotFound("No member of staff has this id.", field="staff_id")
    log.info("staff %s: reactivated by %s", staff_id, f"staff {by.id}" if by else "the CLI")
    return await Staff.get(id=staff_id)


async def log_out_everywhere(*, staff_id: int, by: Staff | None) -> Staff:
    return await _revoke(staff_id, "logged out everywhere", by)
