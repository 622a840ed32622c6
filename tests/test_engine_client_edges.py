"""The engine client against a real local HTTP server: every odd answer is an EngineError."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.aisthos.engine_client import EngineAuthError, EngineClient, EngineError
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

TOKEN = "engine-token"


@pytest.fixture(autouse=True)
def local_sockets(socket_enabled: None) -> None:
    """The engine is a real server on 127.0.0.1."""


@asynccontextmanager
async def engine(status: int, body: str) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A server answering every request with this status and body; it records requests."""
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "auth": request.headers.get("Authorization"),
                "body": await request.text(),
            }
        )
        return web.Response(status=status, text=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")), seen


def client(hass: HomeAssistant, url: str) -> EngineClient:
    return EngineClient(async_get_clientsession(hass), url + "/", TOKEN)


async def test_status_sends_the_token(hass: HomeAssistant) -> None:
    async with engine(200, '{"version": "1.2"}') as (url, seen):
        assert await client(hass, url).async_status() == {"version": "1.2"}
    assert seen == [{"method": "GET", "path": "/api/status", "auth": f"Bearer {TOKEN}", "body": ""}]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (401, "{}", EngineAuthError, "refused the token"),
        (500, '{"version": "1"}', EngineError, "HTTP 500"),
        (404, "not here", EngineError, "HTTP 404"),
        (200, "<html>not json</html>", EngineError, "cannot be reached: JSONDecodeError"),
        (200, '["a", "list"]', EngineError, "not an object"),
        (200, '"a string"', EngineError, "not an object"),
    ],
)
async def test_odd_answers_are_engine_errors(
    hass: HomeAssistant, status: int, body: str, error: type[Exception], message: str
) -> None:
    async with engine(status, body) as (url, _):
        with pytest.raises(error) as err:
            await client(hass, url).async_status()
    assert message in str(err.value)


async def test_a_closed_port_is_an_engine_error(hass: HomeAssistant) -> None:
    with pytest.raises(EngineError, match="cannot be reached"):
        await client(hass, "http://127.0.0.1:9").async_status()


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ('{"source": "llm", "name": "Kettle for weekend mornings"}', "Kettle for weekend mornings"),
        ('{"source": "llm", "name": "  Kettle   on  "}', "Kettle on"),
        ('{"source": "template", "name": "Kettle for weekend mornings"}', None),
        ('{"source": "llm", "name": "ab"}', None),
        ('{"source": "llm", "name": "' + "x" * 121 + '"}', None),
        ('{"source": "llm", "name": 42}', None),
        ('{"source": "llm"}', None),
        ('{"source": "llm", "name": "{{ states.lock }}"}', None),
        ('{"source": "llm", "name": "Kettle {% if %}"}', None),
        ('{"source": "llm", "name": "Kettle\\non"}', None),
        ('{"source": "llm", "name": "   "}', None),
    ],
)
async def test_skill_names_from_the_llm_are_checked(
    hass: HomeAssistant, answer: str, name: str | None
) -> None:
    async with engine(200, answer) as (url, seen):
        assert await client(hass, url).async_skill_name({"trigger": "x"}) == name
    assert seen[0]["method"] == "POST"
    assert seen[0]["path"] == "/api/llm/skill_text"
    assert json.loads(seen[0]["body"]) == {"definition": {"trigger": "x"}}


async def test_cancelling_a_request_is_not_turned_into_an_engine_error(
    hass: HomeAssistant,
) -> None:
    arrived = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.sleep(30)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/status", slow)
    async with TestServer(app, host="127.0.0.1") as server:
        task = asyncio.ensure_future(client(hass, str(server.make_url(""))).async_status())
        await arrived.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
