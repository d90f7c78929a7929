"""Staff authentication: argon2 passwords and signed, expiring bearer tokens."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from services.config import settings
from services.errors import ErrorCode, Unauthenticated
from services.staff.models import Staff

_hasher = PasswordHasher()
_TOKEN_SALT = "tousu.staff-token"
# verifying against a dummy hash keeps the time of "no such user" equal to "wrong password"
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(settings.secret_key), salt=_TOKEN_SALT)


async def authenticate(*, username: str, password: str) -> Staff:
    """The active staff member with these credentials, or Unauthenticated."""
    staff = await Staff.get_or_none(username=username.strip(), is_active=True)
    try:
        # argon2 is deliberately slow (~tens of ms): keep it off the event loop
        await asyncio.to_thread(
            _hasher.verify, staff.password_hash if staff else _DUMMY_HASH, password
        )
    except (VerificationError, InvalidHashError):
        staff = None
    if staff is None:
        raise Unauthenticated("Unknown user or wrong password.", code=ErrorCode.INVALID_CREDENTIALS)
    return staff


def issue_token(staff: Staff) -> str:
    return _serializer().dumps({"sid": staff.id})


async def staff_for_token(token: str) -> Staff:
    """The staff member a bearer token names; roles come fresh from the database."""
    try:
        payload = _serializer().loads(token, max_age=settings.token_ttl_seconds)
    except SignatureExpired as exc:
        raise Unauthenticated("The token has expired; log in again.") from exc
    except BadSignature as exc:
        raise Unauthenticated("The token is not valid.") from exc
    staff = await Staff.get_or_none(id=payload.get("sid"), is_active=True)
    if staff is None:
        raise Unauthenticated("The account behind this token is no longer active.")
    return staff
