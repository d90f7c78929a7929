"""The HTTP edge of both GraphQL endpoints (issue 11).

Before GraphQL sees a POST: a body limit enforced while the body streams in (413
PAYLOAD_TOO_LARGE, never reading past the limit), and one JSON object of the right shape in
UTF-8 (400 BAD_REQUEST otherwise). Around the whole request: a deadline (TIMEOUT), and a
database outage answered 503 UNAVAILABLE with Retry-After. Every refusal is a GraphQL-style
JSON body, `{"errors": [{"message": …, "extensions": {"code": …}}]}`, never a plain-text 500.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from graphql_schema import messages
from graphql_schema.deadline import Deadline
from graphql_schema.limits import (
    TIMEOUT,
    UNAVAILABLE,
    timeout_message,
    unavailable_message,
    write_json,
    written_json,
)
from services import db, validation
from services.config import Settings, settings

log = logging.getLogger("tousu.http")

RETRY_AFTER_SECONDS = 5
RETRY_CODES = {UNAVAILABLE, TIMEOUT}  # the server is at fault and a retry may succeed
_OPERATION_FIELDS = {"query": str, "operationName": str, "variables": dict, "extensions": dict}


@dataclass(frozen=True)
class EdgeLimits:
    max_body_bytes: int
    deadline_seconds: float

    @classmethod
    def from_settings(cls, config: Settings) -> EdgeLimits:
        return cls(config.graphql_max_body_bytes, config.graphql_deadline_seconds)


class Refused(Exception):
    """A request answered before GraphQL runs."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(http_status: int, code: str, message: str, **body: Any) -> JSONResponse:
    """`body`: members beside `errors` (e.g. /healthz's `status`). The message is worded in
    the request's language (`messages.locale`, set by the endpoint from Accept-Language)."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code in RETRY_CODES else None
    errors = [{"message": messages.translate(message, code), "extensions": {"code": code}}]
    return JSONResponse({**body, "errors": errors}, status_code=http_status, headers=headers)


def unavailable(**body: Any) -> JSONResponse:
    return error_response(503, UNAVAILABLE, unavailable_message(), **body)


def bad_request(message: str) -> Refused:
    return Refused(400, "BAD_REQUEST", message)


async def read_body(
    scope: Scope, receive: Receive, limit: int, headers: Headers | None = None
) -> bytes:
    """The whole body, or PAYLOAD_TOO_LARGE as soon as it is known to pass `limit` bytes."""
    too_large = Refused(413, "PAYLOAD_TOO_LARGE", f"The request body is over {limit} bytes.")
    declared = (headers or Headers(scope=scope)).get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise bad_request("The client went away before sending the whole body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def check_operation(body: bytes) -> dict[str, Any]:
    """One GraphQL operation as a JSON object in UTF-8; batches are not supported."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad_request("The body is not valid UTF-8.") from None
    except RecursionError:
        raise bad_request("The body's JSON is nested too deeply.") from None
    except ValueError:
        raise bad_request("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request('The body must be one JSON object with a "query" (and "variables").')
    for name, kind in _OPERATION_FIELDS.items():
        if data.get(name) is not None and not isinstance(data[name], kind):
            raise bad_request(f"`{name}` must be a {kind.__name__} or null.")
    if not isinstance(data.get("query"), str):
        raise bad_request("No GraphQL query found in the body (`query`).")
    if (found := _overlong_list(data.get("variables"))) is not None:
        path, length = found
        raise bad_request(
            f"`{path}` is a list of {length} items; no input takes more than "
            f"{validation.MAX_ITEMS}."
        )
    return data


def media_type(content_type: str) -> str:
    """`application/json` of `application/json; charset=utf-8`: what strawberry's
    parse_content_type (the email package's parser) answers for it, without the parser."""
    return content_type.partition(";")[0].strip().lower()


_CONTAINERS = (list, dict)


def _overlong_list(variables: object) -> tuple[str, int] | None:
    """The first list in the variables longer than any input takes, with its path.

    GraphQL coerces a variable's list item by item before any limit is checked: a 1 MB body
    of `[1,1,…]` kept the event loop busy for 3 s. Walked without recursion (JSON may nest
    as deep as the parser allows)."""
    pending: list[tuple[str, object]] = [("variables", variables)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, list):
            if len(value) > validation.MAX_ITEMS:
                return path, len(value)
            inner = ((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            inner = ((f"{path}.{key}", item) for key, item in value.items())
        else:
            continue
        pending.extend((at, item) for at, item in inner if isinstance(item, _CONTAINERS))
    return None


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the body already read to the app, then listens for disconnects."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


ContextT = TypeVar("ContextT")


class GraphQLEndpoint(GraphQL[ContextT, None]):
    """Strawberry's ASGI view behind the edge limits; `admit` is the hook an endpoint uses to
    refuse a request (e.g. without an API key) once its body has passed the limits."""

    def __init__(self, *args: Any, limits: EdgeLimits | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limits = limits or EdgeLimits.from_settings(settings)
        # an operation checked here is executed directly (`execute_checked`), unless a
        # streaming protocol (SSE, multipart) or @defer may choose how it is answered: none is
        # configured
        self.direct = not self.schema.config.enable_experimental_incremental_execution and not any(
            p in self.stream_transport_classes_by_protocol for p in self.protocols
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        headers = Headers(scope=scope)  # read once (a Request's are made per Request)
        # the refusals made here, before GraphQL runs, in the reader's language too
        token = messages.locale.set(messages.locale_of(headers.get("accept-language", "")))
        try:
            async with Deadline(self.limits.deadline_seconds), db.one_connection():
                response = await self.answer(scope, receive, headers)
        except TimeoutError:
            log.warning("request deadline of %ss passed", self.limits.deadline_seconds)
            response = error_response(503, TIMEOUT, timeout_message())
        finally:
            messages.locale.reset(token)
        await response(scope, receive, send)

    async def answer(
        self, scope: Scope, receive: Receive, headers: Headers | None = None
    ) -> Response:
        try:
            operation = None
            if scope["method"] == "POST":
                receive, operation = await self.read_operation(scope, receive, headers)
            request = Request(scope, receive)
            if (refusal := await self.admit(request)) is not None:
                return refusal
            if operation is not None and self.direct:
                return await self.execute_checked(request, operation)
            return await self.run(request)  # GET (the IDE), or a streaming protocol
        except Refused as exc:
            return error_response(exc.status, exc.code, exc.message)
        except HTTPException as exc:
            return error_response(exc.status_code, HTTPStatus(exc.status_code).name, exc.reason)
        except Exception as exc:  # before GraphQL ran: the context, the API key
            if db.is_statement_timeout(exc):
                return error_response(503, TIMEOUT, timeout_message())
            if not db.is_outage(exc):
                raise
            log.warning("database unavailable: %r", exc)
            return unavailable()

    async def read_operation(
        self, scope: Scope, receive: Receive, headers: Headers | None = None
    ) -> tuple[Receive, dict[str, Any]]:
        """The checked operation, and a receive that hands its body to the app again."""
        headers = headers or Headers(scope=scope)
        if media_type(headers.get("content-type", "")) != "application/json":
            raise bad_request("Send the operation as JSON (Content-Type: application/json).")
        body = await read_body(scope, receive, self.limits.max_body_bytes, headers)
        return replay(body, receive), check_operation(body)

    async def execute_checked(self, request: Request, operation: dict[str, Any]) -> Response:
        """What strawberry's `run` does for a JSON POST, for one already read and checked:
        its generic steps (the IDE, batches, streaming and incremental results, the body read
        again) have nothing to do here and cost `me` about 0.03 of 0.46 ms CPU (over ASGI)."""
        root_value = await self.get_root_value(request)  # type: ignore[func-returns-value]
        request_adapter = self.request_adapter_class(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        request_data = GraphQLRequestData(
            query=operation.get("query"),
            variables=operation.get("variables"),
            operation_name=operation.get("operationName"),
            extensions=operation.get("extensions"),
        )
        result = await self.execute_operation(
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )
        if not isinstance(result, ExecutionResult):  # only a stream or @defer: both are off
            raise TypeError(f"a POST's operation gave {type(result).__name__}")
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def admit(self, request: Request) -> Response | None:
        return None

    def encode_json(self, data: object) -> bytes:
        """Compact JSON in UTF-8 (`write_json`); a response of data alone reuses the JSON the
        response-size check wrote: the data is encoded once."""
        if isinstance(data, dict) and len(data) == 1 and "data" in data:
            written = written_json(data["data"])
            if written is not None:
                return b'{"data":' + written + b"}"
        return write_json(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """503 with Retry-After when the database was down or the time ran out."""
        response = super().create_response(response_data, sub_response)
        results = response_data if isinstance(response_data, list) else [response_data]
        codes = {_code(error) for result in results for error in result.get("errors") or []}
        if codes & RETRY_CODES:
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _code(error: object) -> object:
    return (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
