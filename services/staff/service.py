"""Staff authentication: argon2 passwords, throttled logins, and signed, expiring bearer tokens
that die when the staff member's token version changes (see services/staff/lifecycle.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from tortoise import connections

from services.batching import Batched
from services.config import settings
from services.errors import ErrorCode, Unauthenticated
from services.permissions.guard import guarded
from services.permissions.table import UseCase
from services.staff import throttle
from services.staff.models import Staff

_hasher = PasswordHasher()
_TOKEN_SALT = "tousu.staff-token"
# verifying against a dummy hash keeps the time of "no such user" equal to "wrong password";
# written out (an argon2id hash of a random string, the hasher's parameters) rather than hashed
# at import, which cost every process (API, worker, each CLI step of `make run`) 0.4 s of CPU
# (tests/services/staff/test_dummy_hash.py: it has the current parameters, so it costs what a
# real password costs to verify)
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$Fdlo102eA+S/jxXm2F+/mQ"
    "$t8ELUQBYCF/g2DlMuA0fkW2ERgF5gxRxXVMtnoNveEM"
)
USERNAME_MAX = 64  # the column's length
PASSWORD_MAX = 1024  # argon2 hashes any length; this bounds the work one request can ask for


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(settings.secret_key), salt=_TOKEN_SALT)


def is_plausible(text: str, max_length: int) -> bool:
    """Could this be a username or password at all: not too long, no NUL, valid Unicode."""
    if len(text) > max_length or "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


async def password_matches(staff: Staff | None, password: str) -> bool:
    """Verify against the stored hash (a dummy one for no one, so both take the same time)."""
    if not is_plausible(password, PASSWORD_MAX):
        return False
    try:
        # argon2 is deliberately slow (~tens of ms): keep it off the event loop
        await asyncio.to_thread(
            _hasher.verify, staff.password_hash if staff else _DUMMY_HASH, password
        )
    except (VerificationError, InvalidHashError):
        return False
    return staff is not None


def _wrong() -> Unauthenticated:
    return Unauthenticated("Unknown user or wrong password.", code=ErrorCode.INVALID_CREDENTIALS)


async def authenticate(*, username: str, password: str) -> Staff:
    """The active staff member with these credentials, or Unauthenticated (not throttled:
    every door people knock on goes through `log_in`)."""
    name = username.strip()
    staff = None
    if is_plausible(name, USERNAME_MAX):
        staff = await Staff.get_or_none(username=name, is_active=True)
    if not await password_matches(staff, password):
        raise _wrong()
    assert staff is not None
    return staff


async def log_in(*, username: str, password: str, address: str) -> Staff:
    """`authenticate`, counted against the address and the account (services/staff/throttle.py):
    raises LoginThrottled while either holds this attempt back, before the password is read."""
    name = username.strip()
    plausible = is_plausible(name, USERNAME_MAX)
    staff = await Staff.get_or_none(username=name, is_active=True) if plausible else None
    known = staff is not None and await throttle.is_known_address(
        staff_id=staff.id, address=address
    )
    attempt = await throttle.begin(
        address=address, username=name if plausible else None, known_address=known
    )
    try:
        matches = await password_matches(staff, password)
    except BaseException:  # cancelled or failed mid-check: counted, never left in flight
        await asyncio.shield(throttle.fail(attempt))
        raise
    if not matches:
        await throttle.fail(attempt)
        raise _wrong()
    assert staff is not None
    await throttle.forgive(attempt, staff_id=staff.id, address=address)
    return staff


def issue_token(staff: Staff) -> str:
    return _serializer().dumps({"sid": staff.id, "v": staff.token_version})


# what a request needs to know of its caller: never the password hash; the callers of the
# requests asked together (services/batching.py), in one statement
_CALLER_SQL = (
    "SELECT id, username, display_name, roles, track, department_id, is_department_head,"
    " is_active, token_version FROM staff WHERE id = ANY($1::int[]) AND is_active"
)
_statements = logging.getLogger("tortoise.db_client")  # where Tortoise logs what it sends
_VERIFIED_MAX = 4096
# token -> (staff id, version, signed at): a signature checked once is not checked again (the
# expiry is); the staff row is read on every request all the same, so a revoked token (its
# version bumped) or a deactivated account stops at once, and roles are always fresh
_verified: OrderedDict[tuple[str, str], tuple[int, int, float]] = OrderedDict()


def _verify(token: str) -> tuple[int, int]:
    """The (staff id, token version) a token names, or Unauthenticated."""
    key = (str(settings.secret_key), token)
    hit = _verified.get(key)
    if hit is None:
        try:
            payload, signed = _serializer().loads(
                token, max_age=settings.token_ttl_seconds, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise Unauthenticated("The token has expired; log in again.") from exc
        except BadSignature as exc:
            raise Unauthenticated("The token is not valid.") from exc
        staff_id, version = payload.get("sid"), payload.get("v")
        if not isinstance(staff_id, int) or not isinstance(version, int):
            raise Unauthenticated("The token is not valid.")
        hit = (staff_id, version, signed.timestamp())
        _verified[key] = hit
        if len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)
    elif not 0 <= time.time() - hit[2] <= settings.token_ttl_seconds:
        del _verified[key]
        raise Unauthenticated("The token has expired; log in again.")
    return hit[0], hit[1]


def caller_from_row(row: Mapping[str, Any]) -> Staff:
    """The partial Staff `Staff._init_from_db(**row)` makes of the caller's row, made directly:
    Tortoise finds a row partial by the KeyError of its first missing column, then looks each
    column's field up again (2% of `me`'s CPU)."""
    staff = Staff.__new__(Staff)
    _set = object.__setattr__
    pk_given, columns = _caller_columns()
    _set(staff, "_partial", True)
    _set(staff, "_saved_in_db", True)
    _set(staff, "_custom_generated_pk", pk_given)
    _set(staff, "_await_when_save", {})
    for column, attribute, convert in columns:
        value = row[column]
        _set(staff, attribute, value if convert is None else convert(value))
    return staff


@cache
def _caller_columns() -> tuple[bool, list[tuple[str, str, Callable[[Any], Any] | None]]]:
    """Each column of _CALLER_SQL with its attribute and conversion, as _init_from_db has them
    (native: none; plain: the field's type unless NULL; complex: its to_python_value)."""
    meta = Staff._meta
    selected = _CALLER_SQL.partition("SELECT ")[2].partition(" FROM ")[0].split(", ")
    how: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
    for column, attribute, _field in meta.db_native_fields:
        how[column] = (attribute, None)
    for column, attribute, field in meta.db_default_fields:
        how[column] = (attribute, _unless_null(field.field_type))
    for column, attribute, field in meta.db_complex_fields:
        how[column] = (attribute, field.to_python_value)
    pk_given = meta.db_pk_column not in meta.generated_db_fields
    return pk_given, [(column, *how[column]) for column in selected]


def _unless_null(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: value if value is None else convert(value)


async def staff_for_token(token: str) -> Staff:
    """The staff member a bearer token names; roles come fresh from the database (one
    prepared statement, the columns a request needs; the model is partial: it cannot be saved
    whole, and has no password hash)."""
    staff_id, version = _verify(token)
    row = await _callers.get(staff_id)
    if row is None:
        raise Unauthenticated("The account behind this token is no longer active.")
    staff = caller_from_row(row)
    if staff.token_version != version:
        raise Unauthenticated(
            "This token was revoked (password changed, or logged out everywhere); log in again."
        )
    return staff


async def _caller_rows(staff_ids: list[int]) -> dict[int, Mapping[str, Any]]:
    """The active staff rows of these ids: asyncpg's own fetch on a pooled connection of its
    own (Tortoise's raw-query path adds dicts and wrappers; a request's held connection is
    its own), logged as Tortoise logs a statement, so it is counted."""
    if _statements.isEnabledFor(logging.DEBUG):
        _statements.debug("%s: %s", _CALLER_SQL, [staff_ids])
    client: Any = connections.get("default")
    pool = client._pool  # None until Tortoise connects (on first use)
    async with pool.acquire() if pool is not None else client.acquire_connection() as connection:
        rows = await connection.fetch(_CALLER_SQL, staff_ids)
    return {row["id"]: row for row in rows}


# the token checks of concurrent requests: one statement for the callers asked together
_callers: Batched[int, Mapping[str, Any]] = Batched(_caller_rows)


@guarded(UseCase.READ_CONSOLE)
async def open_console(*, actor: Staff) -> Staff:
    """The console's pages (daily lists, notices, special customers, audit, exports)."""
    return actor
