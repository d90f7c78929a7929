"""Limits that hold while an operation runs (issue 11): a cap on the response's size, and the
database's faults (down, or a statement past `statement_timeout`) as typed errors.

Their refusals are top-level GraphQL errors with `extensions.code`: RESPONSE_TOO_LARGE,
UNAVAILABLE (the HTTP layer answers it 503 with Retry-After), TIMEOUT.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from strawberry.extensions.base_extension import SchemaExtension

from services import db

UNAVAILABLE = "UNAVAILABLE"
TIMEOUT = "TIMEOUT"
FIELD_BYTES = 24  # a key with its quotes, colon and comma, and a short value


def typed_error(code: str, message: str, like: GraphQLError | None = None) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=like.nodes if like else None,
        path=like.path if like else None,
        extensions={"code": code},
    )


def unavailable_message() -> str:
    return (
        "The service is briefly unavailable (服务暂时不可用); retry after the Retry-After header."
    )


def timeout_message() -> str:
    return "The request ran out of time (请求超时); ask for less, or retry later."


def _json_size(value: str) -> int:
    """Bytes the value takes in the response: json.dumps escapes non-ASCII as \\uXXXX."""
    return len(value) if value.isascii() else 6 * len(value)


class ResponseSizeLimiter(SchemaExtension):
    """Counts the response while it is built and stops keeping strings once it is over the cap,
    so memory stays bounded; the caller gets one RESPONSE_TOO_LARGE error instead of data.

    Strings are counted as JSON encodes them, every other field as FIELD_BYTES (its key and
    a small value): an estimate on the safe side, at one function call per field.
    """

    def __init__(self, *, max_bytes: int):
        self.max_bytes = max_bytes
        self.spent = 0
        self.refusal: GraphQLError | None = None

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if self.refusal is not None:
            raise self.refusal
        result = _next(root, info, *args, **kwargs)
        if isinstance(result, str):
            self._spend(FIELD_BYTES + _json_size(result))
        elif isinstance(result, list) and result and isinstance(result[0], str):
            self._spend(FIELD_BYTES + sum(_json_size(item) + 3 for item in result))
        elif inspect.isawaitable(result):
            return self._count_later(result)
        else:
            self._spend(FIELD_BYTES)
        return result

    async def _count_later(self, pending: Awaitable[Any]) -> Any:
        result = await pending
        self._spend(FIELD_BYTES + (_json_size(result) if isinstance(result, str) else 0))
        return result

    def _spend(self, size: int) -> None:
        self.spent += size
        if self.spent > self.max_bytes:
            self.refusal = GraphQLError(
                f"The response would exceed {self.max_bytes} bytes (响应过大): "
                "ask for fewer items with `first`, or fewer fields.",
                extensions={"code": "RESPONSE_TOO_LARGE", "limit": self.max_bytes},
            )
            raise self.refusal

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if self.refusal is not None and result is not None:
            result.data, result.errors = None, [self.refusal]


class DatabaseFaults(SchemaExtension):
    """The database down or a statement cancelled by `statement_timeout` are not bugs: typed
    UNAVAILABLE / TIMEOUT errors instead of `Unexpected error.`. Listed after MaskErrors, so
    its exit runs first and sees the original exceptions."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._typed(error) for error in result.errors]

    @staticmethod
    def _typed(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return error
        if db.is_outage(original):  # Schema.process_errors logged it already
            return typed_error(UNAVAILABLE, unavailable_message(), like=error)
        if db.is_statement_timeout(original):
            return typed_error(TIMEOUT, timeout_message(), like=error)
        return error
