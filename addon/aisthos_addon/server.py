"""The add-on's HTTP service (aiohttp): token-protected JSON API and background jobs.

No endpoint returns an image or audio: every response is JSON, and a middleware
refuses to send anything else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime
import hmac
import json
import logging
from pathlib import Path
import platform
import time
from typing import Any, Final

import aiohttp
from aiohttp import web

from . import __version__
from .adapted_answers import AdaptedAnswerer, measure_shift
from .config import Settings
from .discovery import announce
from .finetune import (
    ADAPTER_FILE,
    DEFAULT_PERSONA,
    ExportFormatError,
    mlx_status,
    next_run,
    run_finetune,
)
from .ha_client import SPARK_EVENT, SUPERVISOR_URL, HomeAssistantAPI, HomeAssistantError
from .llm import SkillTextWriter, ToolCall, UntrustedOutputError, clean_text, llama_available
from .perception import Perceiver

_LOGGER = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_PATHS: Final = frozenset({"/api/health"})
ALLOWED_CONTENT_TYPES: Final = frozenset({"application/json"})
MAX_BODY: Final = 4 * 1024 * 1024

SERVICE: web.AppKey[Service] = web.AppKey("service")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require 'Authorization: Bearer <token>' (constant-time compare) except on /api/health."""
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    expected = request.app[SERVICE].settings.token.encode()
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        return web.json_response(
            {"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return await handler(request)


@web.middleware
async def json_only_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Send JSON only: never an image, audio, video or other binary body."""
    try:
        response = await handler(request)
    except web.HTTPException as err:
        response = _error(err.status, err.reason)
    if response.content_type not in ALLOWED_CONTENT_TYPES or not isinstance(response, web.Response):
        _LOGGER.error("Refused to send a %s response", response.content_type)
        return _error(500, "refused non-JSON response")
    return response


class Service:
    """The running add-on: settings, models, Home Assistant client, background tasks."""

    def __init__(
        self,
        settings: Settings,
        *,
        perceiver: Perceiver | None = None,
        writer: SkillTextWriter | None = None,
        ha_base_url: str | None = None,
        supervisor_url: str = SUPERVISOR_URL,
    ) -> None:
        """Wire the parts; nothing runs until the app starts."""
        self.settings = settings
        self.perceiver = perceiver
        self.writer = writer or SkillTextWriter(None)
        self.supervisor_url = supervisor_url
        self._ha_base_url = ha_base_url
        self.session: aiohttp.ClientSession | None = None
        self.ha: HomeAssistantAPI | None = None
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aisthos")
        # MLX keeps its streams per thread: the fine-tuned model is loaded and
        # run in one thread of its own.
        self.mlx_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisthos-mlx")
        self.recent: deque[dict[str, Any]] = deque(maxlen=100)
        self.tasks: list[asyncio.Task[None]] = []
        self.finetune_report: dict[str, Any] | None = None
        # The fine-tuned companion, once Track C trained an adapter, and the
        # persona it trained with.
        self.answerer: AdaptedAnswerer | None = None
        self.persona = DEFAULT_PERSONA
        self.finetune_lock = asyncio.Lock()
        self.perception_lock = asyncio.Lock()
        self.started = time.time()
        self.discovery_uuid: str | None = None

    def ha_base_url(self) -> str:
        """Return Home Assistant's API base URL ('' when unknown)."""
        if self._ha_base_url is not None:
            return self._ha_base_url
        if self.settings.under_supervisor:
            return f"{self.supervisor_url}/core/api"
        return f"{self.settings.ha_url}/api" if self.settings.ha_url else ""

    async def start(self, app: web.Application) -> None:
        """Open the HTTP client, announce the service, start the background jobs."""
        self.session = aiohttp.ClientSession()
        base = self.ha_base_url()
        token = self.settings.supervisor_token or self.settings.ha_token
        if base and token:
            self.ha = HomeAssistantAPI(self.session, base, token)
        else:
            _LOGGER.info("No Home Assistant API configured: camera perception stays off")
        self.discovery_uuid = await announce(
            self.session,
            supervisor_token=self.settings.supervisor_token,
            port=self.settings.port,
            token=self.settings.token,
            base=self.supervisor_url,
        )
        if self.ha and self.perceiver:
            for camera in self.settings.cameras:
                self.perceiver.camera(camera.entity, camera.area)
                self.tasks.append(asyncio.create_task(self._camera_loop(camera.entity)))
        self.tasks.append(asyncio.create_task(self._finetune_loop()))
        adapter = self.settings.data_dir / "finetune" / "adapter" / ADAPTER_FILE
        if adapter.is_file():
            available, _reason = await asyncio.get_running_loop().run_in_executor(
                self.executor, mlx_status
            )
            if available:
                # An adapter from an earlier week answers until the next one.
                await self.load_answerer()

    async def stop(self, app: web.Application) -> None:
        """Cancel background jobs and release resources."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()
        if self.session:
            await self.session.close()
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.mlx_executor.shutdown(wait=True, cancel_futures=True)

    # -- perception -----------------------------------------------------------

    def frame_size(self, entity: str, now: float) -> tuple[int, int]:
        """Return the frame cap for a camera: triggered while a person is in view."""
        if self.perceiver is None:
            return self.settings.always_on_size
        state = self.perceiver.camera(entity)
        if state.present or now < state.triggered_until:
            return self.settings.triggered_size
        return self.settings.always_on_size

    async def perception_cycle(self, entity: str) -> list[dict[str, Any]]:
        """Fetch one frame into memory, perceive it, send the Sparks to Home Assistant."""
        if self.perceiver is None or self.ha is None:
            raise web.HTTPServiceUnavailable(reason="camera perception is not configured")
        data = await self.ha.camera_frame(entity)
        now = time.time()
        size = self.frame_size(entity, now)
        perceiver = self.perceiver
        async with self.perception_lock:
            sparks = await asyncio.get_running_loop().run_in_executor(
                self.executor, perceiver.cycle, entity, data, size, now
            )
        del data
        state = perceiver.camera(entity)
        if state.present:
            state.triggered_until = now + self.settings.triggered_seconds
        out = []
        for spark in sparks:
            payload = {"camera": entity, "spark": spark.as_dict()}
            await self.ha.fire_event(SPARK_EVENT, payload)
            self.recent.append(payload)
            out.append(payload)
        return out

    async def _camera_loop(self, entity: str) -> None:
        while True:
            await asyncio.sleep(self.settings.interval_seconds)
            try:
                await self.perception_cycle(entity)
            except (HomeAssistantError, aiohttp.ClientError, TimeoutError) as err:
                _LOGGER.warning("Camera %s: %s", entity, err)

    # -- Track C ----------------------------------------------------------------

    async def run_finetune_now(self) -> dict[str, Any]:
        """Run the fine-tune job on the stored interactions export."""
        path = self.settings.data_dir / "finetune" / "interactions.json"
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            export = {"format": "aisthos-interactions", "version": 1, "interactions": []}
        folder = self.settings.data_dir / "finetune"
        async with self.finetune_lock:
            report = await asyncio.get_running_loop().run_in_executor(
                self.executor,
                lambda: run_finetune(
                    export,
                    self.settings.finetune_model,
                    folder / "work",
                    folder / "adapter",
                    self.settings.finetune_iterations,
                ),
            )
        if report.status == "trained":
            try:
                shift = await asyncio.get_running_loop().run_in_executor(
                    self.mlx_executor, measure_shift, self.settings.finetune_model,
                    folder / "adapter", report.examples,
                )  # fmt: skip
            except Exception as err:
                _LOGGER.warning("How far the adapter moved the answers is unknown: %s", err)
            else:
                if shift is not None:
                    report.preferred_logprob_before = round(shift.before, 4)
                    report.preferred_logprob_after = round(shift.after, 4)
        self.finetune_report = report.as_dict()
        (folder / "report.json").write_text(json.dumps(self.finetune_report, indent=2))
        if report.status == "trained":
            await self.load_answerer(report.persona)
        return self.finetune_report

    async def load_answerer(self, persona: str | None = None) -> None:
        """Answer with the fine-tuned model from now on (where an adapter was trained)."""
        folder = self.settings.data_dir / "finetune"
        adapter = folder / "adapter"
        if not (self.settings.finetune_model and (adapter / ADAPTER_FILE).is_file()):
            return
        if persona is None:
            # The persona it trained with, from the report of that run.
            persona = await asyncio.get_running_loop().run_in_executor(
                self.executor, _trained_persona, folder / "report.json"
            )
        try:
            answerer = await asyncio.get_running_loop().run_in_executor(
                self.mlx_executor, AdaptedAnswerer, self.settings.finetune_model, adapter
            )
        except Exception as err:
            _LOGGER.warning("The fine-tuned model could not be loaded: %s", err)
            return
        self.answerer, self.persona = answerer, persona

    async def _finetune_loop(self) -> None:
        while True:
            now = datetime.now().astimezone()
            due = next_run(now, self.settings.finetune_weekday, self.settings.finetune_hour)
            await asyncio.sleep(max(1.0, (due - now).total_seconds()))
            try:
                await self.run_finetune_now()
            except Exception:
                _LOGGER.exception("Track C fine-tune failed")


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(reason="body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body must be a JSON object")
    return body


routes = web.RouteTableDef()


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Liveness, without authentication and without any detail."""
    return web.json_response({"status": "ok"})


@routes.get("/api/status")
async def status(request: web.Request) -> web.Response:
    """Versions, capabilities and counters."""
    service = request.app[SERVICE]
    perceiver = service.perceiver
    mlx_ok, mlx_reason = await asyncio.get_running_loop().run_in_executor(
        service.executor, mlx_status
    )
    body: dict[str, Any] = {
        "version": __version__,
        "python": platform.python_version(),
        "under_supervisor": service.settings.under_supervisor,
        "cameras": [c.entity for c in service.settings.cameras],
        "perception": None,
        "llm": {"available": service.writer.available, "installed": llama_available()},
        "finetune": {"available": mlx_ok, "status": mlx_reason},
    }
    if perceiver is not None:
        stats = perceiver.stats
        body["perception"] = {
            "model": perceiver.model.name,
            "onnxruntime": perceiver.model.ort_version,
            "cycles": stats.cycles,
            "sparks": stats.sparks,
            "rejected": stats.rejected,
            "frame_errors": stats.frame_errors,
            "last_cycle_ms": round(stats.last_cycle_ms, 2),
        }
    return web.json_response(body)


@routes.get("/api/sparks")
async def sparks(request: web.Request) -> web.Response:
    """Return the most recent camera Sparks (Spark dicts only)."""
    return web.json_response({"sparks": list(request.app[SERVICE].recent)})


@routes.post("/api/perception/cycle")
async def perception_cycle(request: web.Request) -> web.Response:
    """Run one perception cycle on a configured camera now."""
    service = request.app[SERVICE]
    body = await _json_body(request)
    entity = body.get("camera")
    if entity not in {c.entity for c in service.settings.cameras}:
        raise web.HTTPNotFound(reason="not a configured camera")
    try:
        out = await service.perception_cycle(str(entity))
    except HomeAssistantError as err:
        raise web.HTTPBadGateway(reason=str(err)) from None
    return web.json_response({"sparks": out})


@routes.post("/api/perception/trigger")
async def perception_trigger(request: web.Request) -> web.Response:
    """Switch a camera to the triggered frame size for a while (e.g. on motion)."""
    service = request.app[SERVICE]
    body = await _json_body(request)
    entity = body.get("camera")
    if service.perceiver is None or entity not in {c.entity for c in service.settings.cameras}:
        raise web.HTTPNotFound(reason="not a configured camera")
    state = service.perceiver.camera(str(entity))
    state.triggered_until = time.time() + service.settings.triggered_seconds
    return web.json_response(
        {"camera": entity, "triggered_seconds": service.settings.triggered_seconds}
    )


@routes.post("/api/llm/skill_text")
async def skill_text(request: web.Request) -> web.Response:
    """Name and describe a skill (its definition() dict); template wording without a model."""
    service = request.app[SERVICE]
    body = await _json_body(request)
    definition = body.get("definition")
    if not isinstance(definition, dict):
        raise web.HTTPBadRequest(reason="'definition' must be an object")
    text = await asyncio.get_running_loop().run_in_executor(
        service.executor, service.writer.skill_text, definition
    )
    return web.json_response(
        {"name": text.name, "description": text.description, "source": text.source}
    )


@routes.post("/api/llm/answer")
async def answer(request: web.Request) -> web.Response:
    """Answer a question with the local LLM (503 without a model)."""
    service = request.app[SERVICE]
    body = await _json_body(request)
    question, context = body.get("question"), body.get("context", "")
    tools = body.get("tools", [])
    if not isinstance(question, str) or not isinstance(context, str):
        raise web.HTTPBadRequest(reason="'question' (and 'context') must be strings")
    if (
        not isinstance(tools, list)
        or len(tools) > 20
        or any(not isinstance(t, dict) for t in tools)
    ):
        raise web.HTTPBadRequest(reason="'tools' must be a list of at most 20 objects")
    loop = asyncio.get_running_loop()
    if (answerer := service.answerer) is not None:
        # The fine-tuned companion: Track C's adapter shapes the reply.
        try:
            question = clean_text(question, 500, single_line=False)
            context = clean_text(context, 1000, single_line=False) if context else ""
        except UntrustedOutputError:
            raise web.HTTPBadRequest(reason="question rejected") from None
        persona = f"{service.persona} {context}".strip()
        try:
            text = await loop.run_in_executor(
                service.mlx_executor, answerer.answer, question, persona
            )
        except UntrustedOutputError:
            raise web.HTTPBadGateway(reason="the model gave no acceptable answer") from None
        return web.json_response({"answer": text, "source": "adapted"})
    if not service.writer.available:
        raise web.HTTPServiceUnavailable(reason="no local LLM model")
    try:
        reply = await loop.run_in_executor(
            service.executor, service.writer.reply, question, context, tools
        )
    except UntrustedOutputError:
        raise web.HTTPBadRequest(reason="question rejected") from None
    if reply is None:
        raise web.HTTPBadGateway(reason="the model gave no acceptable answer")
    if isinstance(reply, ToolCall):
        return web.json_response(
            {"tool_call": {"name": reply.name, "arguments": reply.arguments}, "source": "llm"}
        )
    return web.json_response({"answer": reply, "source": "llm"})


@routes.post("/api/finetune/interactions")
async def finetune_interactions(request: web.Request) -> web.Response:
    """Store the interactions export for the weekly fine-tune (checked first)."""
    service = request.app[SERVICE]
    body = await _json_body(request)
    from .finetune import prepare_dataset  # noqa: PLC0415

    try:
        dataset = prepare_dataset(body)
    except ExportFormatError as err:
        raise web.HTTPBadRequest(reason=str(err)) from None
    folder = service.settings.data_dir / "finetune"
    folder.mkdir(parents=True, exist_ok=True)
    if not body["interactions"]:
        # Forgotten in Home Assistant: nothing of them stays here either.
        (folder / "interactions.json").unlink(missing_ok=True)
    else:
        (folder / "interactions.json").write_text(json.dumps(body), encoding="utf-8")
    return web.json_response(
        {"usable": len(dataset.train) + len(dataset.valid), "dropped": dict(dataset.dropped)}
    )


@routes.post("/api/finetune/run")
async def finetune_run(request: web.Request) -> web.Response:
    """Run the Track C fine-tune now and return its report."""
    return web.json_response(await request.app[SERVICE].run_finetune_now())


@routes.get("/api/finetune/status")
async def finetune_status(request: web.Request) -> web.Response:
    """Return the last report, MLX availability and the next scheduled run."""
    service = request.app[SERVICE]
    available, reason = await asyncio.get_running_loop().run_in_executor(
        service.executor, mlx_status
    )
    now = datetime.now().astimezone()
    due = next_run(now, service.settings.finetune_weekday, service.settings.finetune_hour)
    return web.json_response(
        {
            "available": available,
            "status": reason,
            "next_run": due.isoformat(timespec="seconds"),
            "last_report": service.finetune_report,
        }
    )


def _trained_persona(report: Path) -> str:
    """Return the persona a saved fine-tune report trained with (the default if unknown)."""
    try:
        persona = json.loads(report.read_text(encoding="utf-8")).get("persona")
        return clean_text(persona, 500, single_line=False) if persona else DEFAULT_PERSONA
    except (OSError, ValueError, AttributeError, UntrustedOutputError):
        return DEFAULT_PERSONA


def create_app(service: Service) -> web.Application:
    """Build the aiohttp application around a Service."""
    app = web.Application(
        middlewares=[json_only_middleware, auth_middleware], client_max_size=MAX_BODY
    )
    app[SERVICE] = service
    app.add_routes(routes)
    app.on_startup.append(service.start)
    app.on_cleanup.append(service.stop)
    return app
