"""Idempotency keys for the money-moving use cases (issue #4, item 8).

A key belongs to its caller: the actor (a member of staff, or a partner) is part of it, so
another caller's identical key is another request. The same caller's key with the same input
returns the first result; with a different input it is a typed error (IDEMPOTENCY_MISMATCH);
either way the use case runs once. The key row is inserted first, in the same transaction as
the use case: a concurrent duplicate blocks on the unique (scope, actor, key) index until the
first commits, then fails and reads the first result. A use case that fails rolls its key
back, so a retry runs it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from services.errors import ErrorCode, InvalidInput
from services.refunds.models import IdempotencyKey

T = TypeVar("T")
MAX_KEY_LENGTH = 128


class _Duplicate(Exception):
    pass


def request_hash(actor_id: int, request: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"actor": actor_id, "request": request}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def once(
    *,
    scope: str,
    key: str | None,
    actor_id: int,
    request: Mapping[str, Any],
    run: Callable[[], Awaitable[T]],
    result_id: Callable[[T], int],
    replay: Callable[[int], Awaitable[T]],
) -> T:
    """Run `run` once per (scope, actor, key); `replay` rebuilds the first result from its id."""
    if key is None:
        return await run()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.", field="idempotencyKey"
        )
    digest = request_hash(actor_id, request)
    first = await IdempotencyKey.get_or_none(scope=scope, actor_id=actor_id, key=key)
    if first is not None:
        return await _replayed(first, digest, replay)
    try:
        async with in_transaction():
            try:
                row = await IdempotencyKey.create(
                    scope=scope, key=key, actor_id=actor_id, request_hash=digest
                )
            except IntegrityError:
                raise _Duplicate from None
            result = await run()
            row.result_id = result_id(result)
            await row.save(update_fields=["result_id"])
    except _Duplicate:
        first = await IdempotencyKey.get(scope=scope, actor_id=actor_id, key=key)
        return await _replayed(first, digest, replay)
    return result


async def _replayed(first: IdempotencyKey, digest: str, replay: Callable[[int], Awaitable[T]]) -> T:
    if first.request_hash != digest or first.result_id is None:
        raise InvalidInput(
            "This idempotencyKey was already used with a different input; use a new key for a "
            "new request.",
            code=ErrorCode.IDEMPOTENCY_MISMATCH,
            field="idempotencyKey",
        )
    return await replay(first.result_id)
