"""Partner API keys: issued once, stored as a hash, cached briefly, revocable, use recorded.

A key reads `tsk_<prefix>_<secret>`: the prefix (8 characters) is stored in clear and shown in
listings, so an admin can tell keys apart; the secret (40 characters, about 206 bits) is never
stored. The stored hash is SHA-256 of the whole key: a fast hash is right for a high-entropy
random key (nothing to brute-force, unlike a password; argon2 would cost tens of
milliseconds per request), and it does not depend on SECRET_KEY, so rotating that does not
lock every partner out. The comparison is constant-time.

Authentication caches what a key resolves to for `CACHE_SECONDS` (30 s) per process: a
revoked key, or a suspended partner, stops working everywhere within that window (the
revoking process forgets it at once). Use is counted in memory and written at most every
`USE_FLUSH_SECONDS` per key and process (one UPDATE, not one per request); a crash loses at
most that much of the count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass

from tortoise.expressions import F

from services import clock
from services.errors import NotFound, Unauthenticated
from services.partners.models import Partner, PartnerApiKey, PartnerStatus

CACHE_SECONDS = 30.0
USE_FLUSH_SECONDS = 30.0
MAX_CACHED = 10_000
PREFIX_LENGTH = 8
SECRET_LENGTH = 40
_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class PartnerKey:
    """Who an authenticated request is: the partner and the key it used."""

    partner_id: int
    key_id: int
    sp_code: str


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `key` is shown once and never again."""

    key: str
    row: PartnerApiKey


@dataclass
class _Cached:
    key_hash: str
    found: PartnerKey | None  # None: no usable key has this prefix
    expires: float


_cache: dict[str, _Cached] = {}
_uses: dict[int, int] = {}
_flushed: dict[int, float] = {}


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def split(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    parts = key.strip().split("_")
    if len(parts) != 3 or parts[0] != "tsk":
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_LENGTH or len(secret) != SECRET_LENGTH:
        return None
    return prefix, secret


async def issue(*, partner_id: int, label: str = "") -> IssuedKey:
    """A new key for the partner, active at once beside its other keys."""
    if not await Partner.exists(id=partner_id):
        raise NotFound("No partner has this id.", field="partnerId")
    prefix = _random(PREFIX_LENGTH)
    key = f"tsk_{prefix}_{_random(SECRET_LENGTH)}"
    row = await PartnerApiKey.create(
        partner_id=partner_id, prefix=prefix, key_hash=hash_key(key), label=label.strip()
    )
    return IssuedKey(key=key, row=row)


async def revoke(*, prefix: str) -> PartnerApiKey:
    """Revoke a key by its prefix; other processes stop accepting it within CACHE_SECONDS."""
    row = await PartnerApiKey.get_or_none(prefix=prefix.strip())
    if row is None:
        raise NotFound("No API key has this prefix.", field="prefix")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        await row.save(update_fields=["revoked_at"])
    forget(row.prefix)
    return row


async def of_partner(partner_id: int) -> list[PartnerApiKey]:
    return await PartnerApiKey.filter(partner_id=partner_id).order_by("id")


def forget(prefix: str | None = None) -> None:
    """Drop cached look-ups (one prefix, or all)."""
    if prefix is None:
        _cache.clear()
    else:
        _cache.pop(prefix, None)


def reset() -> None:
    """Forget every cached look-up and pending use count (tests start from a clean slate)."""
    _cache.clear()
    _uses.clear()
    _flushed.clear()


async def authenticate(key: str) -> PartnerKey:
    """The partner behind a key, or Unauthenticated; at most one query per CACHE_SECONDS."""
    parts = split(key)
    if parts is None:
        raise Unauthenticated("The API key is not well-formed: expected tsk_<prefix>_<secret>.")
    prefix = parts[0]
    now = time.monotonic()
    cached = _cache.get(prefix)
    if cached is None or cached.expires <= now:
        cached = await _look_up(prefix, now)
    if cached.found is None or not hmac.compare_digest(cached.key_hash, hash_key(key)):
        raise Unauthenticated("The API key is not valid, revoked, or its partner is suspended.")
    await _record_use(cached.found.key_id, now)
    return cached.found


async def _look_up(prefix: str, now: float) -> _Cached:
    row = await PartnerApiKey.get_or_none(prefix=prefix).select_related("partner")
    usable = (
        row is not None and row.revoked_at is None and row.partner.status == PartnerStatus.ACTIVE
    )
    found = (
        PartnerKey(partner_id=row.partner_id, key_id=row.id, sp_code=row.partner.sp_code)
        if usable and row is not None
        else None
    )
    entry = _Cached(key_hash=row.key_hash if row else "", found=found, expires=now + CACHE_SECONDS)
    if len(_cache) >= MAX_CACHED:
        _cache.clear()
    _cache[prefix] = entry
    return entry


async def _record_use(key_id: int, now: float) -> None:
    _uses[key_id] = _uses.get(key_id, 0) + 1
    if now - _flushed.get(key_id, float("-inf")) >= USE_FLUSH_SECONDS:
        await _flush(key_id, now)


async def _flush(key_id: int, now: float) -> None:
    count = _uses.pop(key_id, 0)
    _flushed[key_id] = now
    if count:
        await PartnerApiKey.filter(id=key_id).update(
            use_count=F("use_count") + count, last_used_at=clock.now()
        )


async def flush_uses() -> None:
    """Write every pending use count (at shutdown)."""
    now = time.monotonic()
    for key_id in list(_uses):
        await _flush(key_id, now)
