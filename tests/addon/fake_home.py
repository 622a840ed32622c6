"""A fake Home Assistant + Supervisor HTTP server on 127.0.0.1, recording what it gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HA_TOKEN = "ha-long-lived-token"
SUPERVISOR_TOKEN = "supervisor-token-0123456789"


@dataclass
class FakeHome:
    """What the fake server serves and what it was sent."""

    frames: dict[str, bytes] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    discoveries: list[dict[str, Any]] = field(default_factory=list)
    unauthorized: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/camera_proxy/{entity}", self._camera)
        app.router.add_post("/api/events/{event}", self._event)
        # The Supervisor's Core proxy and its own API.
        app.router.add_get("/core/api/camera_proxy/{entity}", self._camera)
        app.router.add_post("/core/api/events/{event}", self._event)
        app.router.add_post("/discovery", self._discovery)
        app.router.add_get("/addons/self/info", self._info)
        return app

    def _authorized(self, request: web.Request, *tokens: str) -> bool:
        ok = request.headers.get("Authorization") in {f"Bearer {t}" for t in tokens}
        self.unauthorized += 0 if ok else 1
        return ok

    async def _camera(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request, HA_TOKEN, SUPERVISOR_TOKEN):
            return web.Response(status=401)
        frame = self.frames.get(request.match_info["entity"])
        if frame is None:
            return web.Response(status=404)
        return web.Response(body=frame, content_type="image/jpeg")

    async def _event(self, request: web.Request) -> web.Response:
        if not self._authorized(request, HA_TOKEN, SUPERVISOR_TOKEN):
            return web.Response(status=401)
        self.events.append((request.match_info["event"], await request.json()))
        return web.json_response({"message": "Event fired."})

    async def _discovery(self, request: web.Request) -> web.Response:
        if not self._authorized(request, SUPERVISOR_TOKEN):
            return web.json_response({"result": "error"}, status=401)
        self.discoveries.append(await request.json())
        return web.json_response({"result": "ok", "data": {"uuid": "abc123"}})

    async def _info(self, request: web.Request) -> web.Response:
        if not self._authorized(request, SUPERVISOR_TOKEN):
            return web.json_response({"result": "error"}, status=401)
        return web.json_response({"result": "ok", "data": {"hostname": "local-aisthos"}})
