"""The engine client against a real local HTTP server: every odd answer is an EngineError.

Going away and coming back is logged once each, not once per failed call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.aisthos.engine_client import (
    EngineAuthError,
    EngineClient,
    EngineError,
    EngineUnavailableError,
)
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
        (500, '{"version": "1"}', EngineUnavailableError, "HTTP 500"),
        (503, "starting", EngineUnavailableError, "HTTP 503"),
        (404, "not here", EngineError, "HTTP 404"),
        (200, "<html>not json</html>", EngineError, "not JSON: JSONDecodeError"),
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
    assert type(err.value) is error


async def test_a_closed_port_is_an_engine_error(hass: HomeAssistant) -> None:
    with pytest.raises(EngineUnavailableError, match="cannot be reached"):
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


def availability_log(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.name == "custom_components.aisthos" and "engine" in r.getMessage()
    ]


def status_app(status: int = 200) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response({"version": "1"}, status=status)

    app = web.Application()
    app.router.add_get("/api/status", handle)
    return app


async def test_going_away_and_coming_back_is_logged_once_each(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.aisthos")
    server = TestServer(status_app(), host="127.0.0.1")
    await server.start_server()
    port = server.port
    engine = client(hass, str(server.make_url("")))
    await engine.async_status()
    assert availability_log(caplog) == []  # reachable from the start: nothing to say
    await server.close()
    for _ in range(3):
        with pytest.raises(EngineUnavailableError):
            await engine.async_status()
    assert engine.available is False
    assert availability_log(caplog) == [
        (
            logging.WARNING,
            "The AisthOS engine is unavailable: the engine cannot be reached: ClientConnectorError",
        )
    ]
    # Back on the same port.
    async with TestServer(status_app(), host="127.0.0.1", port=port):
        for _ in range(3):
            assert await engine.async_status() == {"version": "1"}
    assert engine.available is True
    assert availability_log(caplog)[1:] == [(logging.INFO, "The AisthOS engine is available again")]


async def test_a_failing_engine_is_unavailable_an_answering_one_is_not(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """HTTP 5xx: unavailable. A refused token or a 404 is an answer: reachable."""
    caplog.set_level(logging.INFO, logger="custom_components.aisthos")
    async with engine(503, '"starting"') as (url, _):
        failing = client(hass, url)
        for _ in range(2):
            with pytest.raises(EngineUnavailableError):
                await failing.async_status()
    # The same engine, answering at another address now (a refused token, then a 404).
    async with engine(401, "{}") as (url, _):
        failing.url = url
        with pytest.raises(EngineAuthError):
            await failing.async_status()
    assert failing.available is True
    async with engine(404, "{}") as (url, _):
        failing.url = url
        with pytest.raises(EngineError):
            await failing.async_status()
    assert failing.available is True
    assert availability_log(caplog) == [
        (logging.WARNING, "The AisthOS engine is unavailable: the engine answered HTTP 503"),
        (logging.INFO, "The AisthOS engine is available again"),
    ]


async def test_a_url_checked_in_a_form_logs_nothing(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.aisthos")
    checking = EngineClient(
        async_get_clientsession(hass), "http://127.0.0.1:9", TOKEN, log_availability=False
    )
    with pytest.raises(EngineUnavailableError):
        await checking.async_status()
    assert checking.available is False
    assert availability_log(caplog) == []
