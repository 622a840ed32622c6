"""The add-on service: token auth, Supervisor discovery, JSON-only answers, perception."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import logging
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aisthos_addon.config import CameraConfig, Settings, settings_from_options
from aisthos_addon.llm import SkillTextWriter
from aisthos_addon.perception import Perceiver, PerceptionModel
from aisthos_addon.server import SERVICE, Service, create_app, json_only_middleware
import pytest

from .fake_home import HA_TOKEN, SUPERVISOR_TOKEN, FakeHome
from .onnx_models import DARK, RED, build_model, jpeg

TOKEN = "addon-token-0123456789abcdef"
CAMERA = "camera.living_room"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN,
        "data_dir": tmp_path / "data",
        "cameras": (CameraConfig(CAMERA, "Living Room"),),
        "interval_seconds": 60.0,
        "ha_token": HA_TOKEN,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running(
    tmp_path: Path, *, supervisor: bool = False, perception: bool = True, **overrides: Any
) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], FakeHome]]:
    """Start the fake home and the service; the camera loop is slow enough to stay idle."""
    home = FakeHome()
    home.frames[CAMERA] = jpeg(RED)
    async with TestServer(home.app(), host="127.0.0.1") as fake:
        base = str(fake.make_url("")).rstrip("/")
        settings = make_settings(
            tmp_path,
            supervisor_token=SUPERVISOR_TOKEN if supervisor else "",
            ha_url="" if supervisor else base,
            **overrides,
        )
        perceiver = Perceiver(PerceptionModel(build_model())) if perception else None
        service = Service(
            settings, perceiver=perceiver, writer=SkillTextWriter(None), supervisor_url=base
        )
        async with TestClient(TestServer(create_app(service), host="127.0.0.1")) as client:
            yield client, home


async def test_requests_without_the_token_are_refused(tmp_path: Path) -> None:
    async with running(tmp_path) as (client, _):
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-0123456789abcd"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": TOKEN},
            {"Authorization": f"Bearer {TOKEN}x"},
        ):
            resp = await client.get("/api/status", headers=headers)
            assert resp.status == 401
            assert resp.headers["WWW-Authenticate"] == "Bearer"
            assert await resp.json() == {"error": "unauthorized"}
        resp = await client.post("/api/perception/cycle", json={"camera": CAMERA})
        assert resp.status == 401
        assert (await client.get("/api/health")).status == 200
        resp = await client.get("/api/status", headers=AUTH)
        assert resp.status == 200
        status = await resp.json()
        assert status["perception"]["model"] == "tiny-pose-test"
        assert status["llm"]["available"] is False


async def test_announces_itself_through_supervisor_discovery(tmp_path: Path) -> None:
    async with running(tmp_path, supervisor=True) as (_, home):
        assert home.discoveries == [
            {
                "service": "aisthos",
                "config": {"host": "local-aisthos", "port": 8199, "token": TOKEN},
            }
        ]


async def test_without_supervisor_it_logs_clearly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aisthos_addon"):
        async with running(tmp_path) as (_, home):
            assert home.discoveries == []
    assert "Not running under the Home Assistant Supervisor" in caplog.text
    assert TOKEN not in caplog.text


async def test_perception_cycle_sends_sparks_as_events(tmp_path: Path) -> None:
    async with running(tmp_path, supervisor=True) as (client, home):
        resp = await client.post("/api/perception/cycle", json={"camera": CAMERA}, headers=AUTH)
        assert resp.status == 200
        body = await resp.json()
        kinds = [item["spark"]["kind"] for item in body["sparks"]]
        assert kinds == ["motion", "gesture", "expression"]
        assert [name for name, _ in home.events] == ["aisthos_camera_spark"] * 3
        event = home.events[1][1]
        assert event["camera"] == CAMERA
        assert event["spark"]["area"] == "living_room"
        assert event["spark"]["extra"] == {"angle": 180.0}
        assert home.events[2][1]["spark"]["extra"] == {"expression": "happy"}
        # A person in view: the next frames are taken at the triggered size.
        service = client.server.app[SERVICE]
        assert service.frame_size(CAMERA, 0) == (320, 240)
        home.frames[CAMERA] = jpeg(DARK)
        resp = await client.post("/api/perception/cycle", json={"camera": CAMERA}, headers=AUTH)
        sparks = [item["spark"] for item in (await resp.json())["sparks"]]
        assert [(s["kind"], s["action"]) for s in sparks] == [("motion", "cleared")]
        assert service.frame_size(CAMERA, 1e12) == (160, 120)


async def test_frame_sizes_are_capped(tmp_path: Path) -> None:
    settings = settings_from_options(
        {"always_on_size": "640x480", "triggered_size": "1920x1080", "token": TOKEN},
        tmp_path,
        env={},
    )
    assert settings.always_on_size == (160, 120)
    assert settings.triggered_size == (320, 240)


def _looks_like_media(raw: bytes, frame: bytes) -> list[str]:
    found = []
    markers = {
        "jpeg": b"\xff\xd8\xff",
        "png": b"\x89PNG",
        "gif": b"GIF8",
        "wav": b"RIFF",
        "mp3": b"ID3",
        "ogg": b"OggS",
        "data-uri": b"data:image",
        "jpeg-base64": b"/9j/",
        "png-base64": b"iVBORw0KGgo",
        "frame-base64": base64.b64encode(frame[:48]),
    }
    for name, marker in markers.items():
        if marker in raw:
            found.append(name)
    return found


async def test_no_endpoint_returns_an_image_or_audio(tmp_path: Path) -> None:
    bodies: dict[str, Any] = {
        "/api/perception/cycle": {"camera": CAMERA},
        "/api/perception/trigger": {"camera": CAMERA},
        "/api/llm/skill_text": {"definition": {"name": "Evening lights", "trigger": "x"}},
        "/api/llm/answer": {"question": "What did the camera see?"},
        "/api/finetune/interactions": {
            "format": "aisthos-interactions",
            "version": 1,
            "interactions": [],
        },
        "/api/finetune/run": {},
    }
    async with running(tmp_path, supervisor=True) as (client, home):
        frame = home.frames[CAMERA]
        routes = [
            (route.method, route.resource.canonical)
            for route in client.server.app.router.routes()
            if route.resource is not None and route.method != "HEAD"
        ]
        assert len(routes) >= 10
        for method, path in routes:
            for headers in (AUTH, {}):
                resp = await client.request(method, path, json=bodies.get(path), headers=headers)
                raw = await resp.read()
                assert resp.content_type == "application/json", (method, path)
                assert _looks_like_media(raw, frame) == [], (method, path)
        # Unknown paths and wrong methods answer in JSON too.
        for method, path in (("GET", "/api/camera.jpg"), ("GET", "/api/perception/cycle")):
            resp = await client.request(method, path, headers=AUTH)
            assert resp.content_type == "application/json"


async def test_the_json_guard_refuses_binary_responses() -> None:
    async def leak(request: web.Request) -> web.Response:
        return web.Response(body=jpeg(RED), content_type="image/jpeg")

    async def audio(request: web.Request) -> web.Response:
        return web.Response(body=b"RIFF....WAVEfmt ", content_type="audio/wav")

    app = web.Application(middlewares=[json_only_middleware])
    app.router.add_get("/leak", leak)
    app.router.add_get("/audio", audio)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        resp = await client.get("/leak")
        assert resp.status == 500
        assert resp.content_type == "application/json"
        assert _looks_like_media(await resp.read(), jpeg(RED)) == []
        resp = await client.get("/audio")
        assert resp.status == 500
        assert _looks_like_media(await resp.read(), jpeg(RED)) == []
