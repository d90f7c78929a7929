"""A GraphQL client over the real ASGI app and the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graphql_schema.app import create_app
from graphql_schema.partners import app as partner_api
from services.partners import keys
from services.staff.models import Staff
from services.staff.service import issue_token


class Client:
    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        as_: Staff | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        # the suite reads the services' English; test_messages.py reads the default, Chinese
        headers = {"Accept-Language": "en"}
        if as_ is not None:
            token = issue_token(as_)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, as_: Staff | None = None
    ) -> dict[str, Any]:
        body = await self.post(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        return dict(body["data"])

    async def both(self, query: str, variables: dict[str, Any], as_: Staff) -> list[dict[str, Any]]:
        """The answer read in Chinese (no Accept-Language, the default) and in English."""
        answers = []
        for headers in ({}, {"Accept-Language": "en"}):
            response = await self.http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {issue_token(as_)}", **headers},
            )
            body = response.json()
            assert "errors" not in body, body
            answers.append(body["data"])
        return answers


@pytest.fixture
async def http(redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Both APIs, the staff one and the partner one (/partner/graphql), over plain httpx:
    the partner keys' cache and the partner API's Redis limiter closed after the test."""
    keys.reset()
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client
    await partner_api.shutdown()
    keys.reset()


@pytest.fixture
async def gql() -> AsyncIterator[Client]:
    app = create_app(with_lifespan=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield Client(http)
