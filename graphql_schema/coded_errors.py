"""GraphQL's own refusals with a code, like every other error (issue 11).

graphql-core answers a document it cannot parse or validate, and variables it cannot coerce,
with plain errors: a message and no `extensions.code`. A bug is masked as `Unexpected error.`,
also without a code. Here every error that reaches a client without a code gets one, from the
step of the request it came from:

- GRAPHQL_PARSE_FAILED: the document is not GraphQL (a syntax error);
- GRAPHQL_VALIDATION_FAILED: the document does not fit the schema (an unknown field or
  argument, a literal of the wrong type or an `Int` past 32 bits, a missing argument);
- INVALID_INPUT: a variable's value does not fit its type, or a required variable is missing
  (as the API's own input checks answer bad values); `variable` names it;
- QUERY_TOO_COMPLEX: the token, depth and alias limits (with the `limit`);
- INTERNAL_ERROR: a bug, masked as `Unexpected error.` (it is logged).

graphql-core's English words stay in `extensions.detail`; the message is worded in the
request's language right after (`messages.reword`, in graphql_schema/guard.py). New error
objects are made: validation errors are cached and shared between requests, so they are never
changed in place.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError, VariableDefinitionNode

from graphql_schema.messages import translate

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INVALID_INPUT = "INVALID_INPUT"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"
INTERNAL_ERROR = "INTERNAL_ERROR"
MASKED_MESSAGE = "Unexpected error."
# the limits strawberry and graphql-core word as plain errors (the number is the limit)
_LIMITS = (
    re.compile(r"Document contains more than (\d+) tokens"),  # MaxTokensLimiter
    re.compile(r"exceeds maximum operation depth of (\d+)"),  # the depth rule
    re.compile(r"aliases found\. Allowed: (\d+)"),  # the alias rule
)


def _limit(message: str) -> int | None:
    for pattern in _LIMITS:
        found = pattern.search(message)
        if found:
            return int(found.group(1))
    return None


def _variable(error: GraphQLError) -> str | None:
    for node in error.nodes or ():
        if isinstance(node, VariableDefinitionNode):
            return node.variable.name.value
    return None


def code_for(error: GraphQLError, *, parsed: bool, executed: bool) -> dict[str, Any]:
    """The extensions of an error that came without a code (graphql-core's own, or a masked
    bug), given how far the request got."""
    detail = {"detail": error.message}
    if error.message == MASKED_MESSAGE or error.path is not None:
        return {"code": INTERNAL_ERROR}  # a field failed: a bug (masked), never the caller's
    limit = _limit(error.message)
    if limit is not None and not executed:
        return {"code": TOO_COMPLEX, "limit": limit, **detail}
    if not parsed:
        return {"code": PARSE_FAILED, **detail}
    if not executed:
        return {"code": VALIDATION_FAILED, **detail}
    variable = _variable(error)
    if variable is not None or error.message.startswith("Variable "):
        return {"code": INVALID_INPUT, "variable": variable, **detail}
    return {"code": INTERNAL_ERROR}


def with_code(error: GraphQLError, *, parsed: bool, executed: bool) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={
            **(error.extensions or {}),
            **code_for(error, parsed=parsed, executed=executed),
        },
    )


def escaped(errors: list[GraphQLError], where: str) -> list[GraphQLError]:
    """Errors that came back around the extensions, worded for `where`: a document that does
    not parse (strawberry's parser cache raises its syntax error outside `on_operation`), or
    an exception of an extension's own step, which is masked as a bug."""
    coded = []
    for error in errors:
        if (error.extensions or {}).get("code"):
            coded.append(error)
            continue
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            error = GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path)
        error = with_code(error, parsed=False, executed=False)
        error.message = translate(error.message, str((error.extensions or {})["code"]), where)
        coded.append(error)
    return coded
