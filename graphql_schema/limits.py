"""Limits that hold while an operation runs (issue 11): a cap on the response's size, and the
database's faults (down, or a statement past `statement_timeout`) as typed errors.

Their refusals are top-level GraphQL errors with `extensions.code`: RESPONSE_TOO_LARGE,
UNAVAILABLE (the HTTP layer answers it 503 with Retry-After), TIMEOUT.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import GraphQLError

from services import db

UNAVAILABLE = "UNAVAILABLE"
TIMEOUT = "TIMEOUT"


def typed_error(code: str, message: str, like: GraphQLError | None = None) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=like.nodes if like else None,
        path=like.path if like else None,
        extensions={"code": code},
    )


def unavailable_message() -> str:
    return "The service is briefly unavailable; retry after the Retry-After header."


def timeout_message() -> str:
    return "The request ran out of time; ask for less, or retry later."


def write_json(data: object) -> bytes:
    """`data` as the GraphQL endpoints answer it: compact JSON in UTF-8, written by orjson
    (the handler page's data: 0.04 ms; json.dumps took 0.56). What orjson refuses (an int past
    64 bits, a key that is not a string, a lone surrogate) is written by json.dumps, as before
    orjson: ASCII, \\u escapes."""
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data, separators=(",", ":")).encode()


# the data of this request's response and its JSON, as the size check wrote it (a request
# runs in its own task, so in its own context)
_written: ContextVar[tuple[object, bytes] | None] = ContextVar("graphql_data_json", default=None)


def written_json(data: object) -> bytes | None:
    """The JSON of `data` if the response-size check wrote it in this request."""
    held = _written.get()
    return held[1] if held is not None and held[0] is data else None


def refuse_oversized(result: Any, max_bytes: int) -> None:
    """Once the operation has run: a response over the cap becomes one RESPONSE_TOO_LARGE
    error instead of data.

    The size is the data's JSON as the endpoint writes it (`write_json`: the bytes sent),
    measured in C. Not a hook on every field (issue 14: that was 5% of a page's CPU, and made
    graphql-core call a middleware around each resolver). What bounds memory while the data
    is built is the query cost limit (fields times `first`) and the length limits of what is
    stored; the data holds the strings of the rows fetched, not copies.
    """
    if result is None or result.data is None:
        return
    text: bytes | None
    try:  # as the endpoint writes it; kept, so the endpoint need not write it again
        text = write_json(result.data)
        size = len(text)
    except (TypeError, ValueError):  # not JSON as it is: the endpoint will say so
        text = None
        size = len(json.dumps(result.data, separators=(",", ":"), default=str))
    if size <= max_bytes:
        if text is not None:
            _written.set((result.data, text))
        return
    result.data = None
    result.errors = [
        GraphQLError(
            f"The response would exceed {max_bytes} bytes (响应过大): "
            "ask for fewer items with `first`, or fewer fields.",
            extensions={"code": "RESPONSE_TOO_LARGE", "limit": max_bytes},
        )
    ]


def typed_fault(error: GraphQLError) -> GraphQLError:
    """The database down or a statement cancelled by `statement_timeout` are not bugs: typed
    UNAVAILABLE / TIMEOUT errors instead of `Unexpected error.`. Applied before the masking,
    so it sees the original exceptions."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if db.is_outage(original):  # Schema.process_errors logged it already
        return typed_error(UNAVAILABLE, unavailable_message(), like=error)
    if db.is_statement_timeout(original):
        return typed_error(TIMEOUT, timeout_message(), like=error)
    return error
