"""What the AisthOS panel reads and decides, over HA's websocket API.

Everything here is for administrators (the panel is registered for them
only, and each command checks again): Sparks describe the household's life,
and deciding on a skill creates or stops what runs in the home.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
import json
from pathlib import Path
import time
from typing import Any, Final

import probatio as vol

from homeassistant.components import websocket_api
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.evidence_strip import evidence_strip
from .engine.skill import Signature, Skill, minutes_to_hhmm
from .engine.skill_book import Status
from .engine.spark import Spark
from .plain_text import plain
from .runtime import AisthosRuntime

SPARKS_MAX: Final = 200
STRIP_DAYS: Final = 28
PANEL_STRINGS: Final = Path(__file__).parent / "frontend" / "strings"
DECISIONS: Final = ("approve", "reject", "later")


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register the panel's commands (once, in async_setup)."""
    for command in (
        ws_overview,
        ws_suggestions,
        ws_skills,
        ws_sparks,
        ws_decide,
        ws_automation,
        ws_strings,
    ):
        websocket_api.async_register_command(hass, command)


def _runtime(hass: HomeAssistant) -> AisthosRuntime:
    entries = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="not_loaded")
    runtime: AisthosRuntime = entries[0].runtime_data
    return runtime


def _describer(runtime: AisthosRuntime) -> Callable[[Signature], str]:
    """Name entities as this home does (one map of the home per command)."""
    learner = runtime.learner
    return learner.describe(learner.entity_map())


def _skill_summary(
    runtime: AisthosRuntime, skill: Skill, describe: Callable[[Signature], str]
) -> dict[str, Any]:
    """Return what the panel shows of a skill (names of this home, as plain text)."""
    learner = runtime.learner
    book = learner.book
    definition = skill.definition(describe)
    stats = skill.stats
    conditions = skill.conditions
    manager = runtime.skills
    return {
        "id": skill.id,
        "name": plain(skill.name, 120),
        "status": book.status(skill.id).value,
        "confidence": round(book.confidence(skill.id), 3),
        "trigger": plain(definition["trigger"].split(" AND ")[0]),
        "actions": [plain(a) for a in definition["actions"]],
        # After dark the clock says nothing: the panel shows the darkness.
        "window": "after dark"
        if conditions.after_dark
        else f"{minutes_to_hhmm(conditions.start)}–{minutes_to_hhmm(conditions.end)}",
        "days": list(conditions.days),
        "delay_s": max((a.delay_s for a in skill.actions), default=0.0),
        "learned_from": skill.learned_from,
        "explanation": plain(skill.explanation, 300),
        "firings": stats.firings if stats else None,
        "right": stats.right if stats else None,
        "precision": round(stats.precision, 3) if stats and stats.firings else None,
        "coverage": round(stats.recall, 3) if stats and stats.actions else None,
        "feedback": dict(book.decision(skill.id).counts),
        "switch": manager.switch_entity_id(skill.id),
        "automation": manager.native_automation(skill.id),
        "runs_in_aisthos": manager.runs_in_aisthos(skill.id),
        "needs_aisthos": manager.native_needs_aisthos(skill.id),
        "last_runs": manager.last_runs(skill.id),
    }


@websocket_api.websocket_command({vol.Required("type"): "aisthos/overview"})
@websocket_api.require_admin
@websocket_api.async_response
async def ws_overview(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Stage, what the next one needs, and what was perceived and dropped."""
    runtime = _runtime(hass)
    learner = runtime.learner
    growth = learner.growth
    sparks, approved = await runtime.async_growth_evidence()
    today = dt_util.now().date()
    nxt = growth.next_stage()
    connection.send_result(
        msg["id"],
        {
            "stage": growth.stage.value,
            "days": growth.age_days(today),
            "next_stage": nxt.value if nxt else None,
            "next_stage_needs": growth.needs(today, sparks, approved),
            "sparks": sparks,
            "sparks_today": runtime.sparks_today,
            "approved": approved,
            "skills": len(learner.book.skills),
            "waiting": sum(
                d.status is Status.PROPOSED and sid in learner.book.skills
                for sid, d in learner.book.decisions.items()
            ),
            "last_learning_run": learner.last_run.isoformat() if learner.last_run else None,
            "filter": asdict(runtime.pipeline.significance.stats),
            "dropped": {
                "queue_full": runtime.stats.sparks_dropped_queue_full,
                "review_full": runtime.stats.sparks_dropped_review_full,
                "camera_refused": runtime.stats.camera_sparks_refused,
            },
            "review": runtime.review,
            "companion": await runtime.async_companion_report(),
        },
    )


@websocket_api.websocket_command({vol.Required("type"): "aisthos/suggestions"})
@websocket_api.require_admin
@websocket_api.async_response
async def ws_suggestions(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the skills waiting for a decision, each with its evidence strip."""
    runtime = _runtime(hass)
    book = runtime.learner.book
    waiting = [
        book.skills[sid]
        for sid, d in book.decisions.items()
        if d.status is Status.PROPOSED and book.worth_proposing(sid)
    ]
    waiting.sort(key=lambda s: -book.confidence(s.id))
    today = dt_util.now().date()
    start = dt_util.start_of_local_day().timestamp() - STRIP_DAYS * 86400
    tz = dt_util.get_default_time_zone()
    refs = {a.target.ref for s in waiting for a in s.actions} | {
        e.ref for s in waiting for e in s.trigger.events
    }

    end = time.time()

    def strips() -> list[dict[str, Any]]:
        # In the executor: only these entities' Sparks are read, and drawn there.
        sparks = runtime.store.between_refs(start, end, refs)
        return [evidence_strip(sparks, s, tz, today, STRIP_DAYS) for s in waiting]

    drawn = await hass.async_add_executor_job(strips) if waiting else []
    describe = _describer(runtime)
    result = []
    for skill, strip in zip(waiting, drawn, strict=True):
        item = _skill_summary(runtime, skill, describe)
        item["strip"] = strip
        result.append(item)
    connection.send_result(msg["id"], result)


@websocket_api.websocket_command({vol.Required("type"): "aisthos/skills"})
@websocket_api.require_admin
@websocket_api.async_response
async def ws_skills(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Every skill that is not waiting for a decision: what runs, what rests."""
    runtime = _runtime(hass)
    book = runtime.learner.book
    skills = [s for sid, s in book.skills.items() if book.status(sid) is not Status.PROPOSED]
    order = {Status.APPROVED: 0, Status.PAUSED: 1}
    skills.sort(key=lambda s: (order.get(book.status(s.id), 2), -book.confidence(s.id)))
    describe = _describer(runtime)
    connection.send_result(
        msg["id"],
        [
            _skill_summary(runtime, s, describe)
            | {
                "evidence": dict(sorted(s.evidence.items())),
                "confidence_history": runtime.learner.confidence_history.get(s.id, []),
            }
            for s in skills
        ],
    )


@websocket_api.websocket_command(
    {
        vol.Required("type"): "aisthos/sparks",
        vol.Optional("kind"): str,
        vol.Optional("area"): str,
        vol.Optional("hours", default=24): vol.All(int, vol.Range(min=1, max=24 * 90)),
        vol.Optional("limit", default=100): vol.All(int, vol.Range(min=1, max=SPARKS_MAX)),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_sparks(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the newest Sparks (filtered by kind and area) and the review queue."""
    runtime = _runtime(hass)
    area = msg.get("area")
    since = time.time() - msg["hours"] * 3600
    # Read more than shown when filtering by area: the store filters kind only.
    limit = msg["limit"] if area is None else SPARKS_MAX * 5
    recent = await runtime.async_recent(limit, since, msg.get("kind"))
    tz = dt_util.get_default_time_zone()

    def line(spark: Spark, pending_id: int | None = None) -> dict[str, Any]:
        data = spark.as_dict()
        data.pop("ref", None)
        return data | {
            "text": spark.render(tz),
            "time": dt_util.utc_from_timestamp(spark.time).isoformat(),
            **({"pending_id": pending_id} if pending_id is not None else {}),
        }

    sparks = [line(s) for s in recent if area is None or s.area == area][: msg["limit"]]
    connection.send_result(
        msg["id"],
        {
            "sparks": sparks,
            "review": [line(spark, pid) for pid, spark in runtime.pending[: msg["limit"]]],
        },
    )


@websocket_api.websocket_command(
    {
        vol.Required("type"): "aisthos/decide",
        vol.Required("skill_id"): str,
        vol.Required("decision"): vol.In(DECISIONS),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_decide(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Approve (the skill runs; a native automation of its id is HA's), reject or not now."""
    manager = _runtime(hass).skills
    skill_id, decision = msg["skill_id"], msg["decision"]
    if decision == "approve":
        await manager.async_approve(skill_id)
    elif decision == "reject":
        await manager.async_reject(skill_id)
    else:
        await manager.async_snooze(skill_id)
    connection.send_result(msg["id"], {"status": manager.book.status(skill_id).value})


@websocket_api.websocket_command(
    {vol.Required("type"): "aisthos/automation", vol.Required("skill_id"): str}
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_automation(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the automation a skill compiles to: the panel saves it through HA's config API.

    That is the automation editor's own request, made with the administrator's
    session; HA writes its file under its own lock. AisthOS writes nothing.
    """
    manager = _runtime(hass).skills
    config = manager.automation_config(msg["skill_id"])
    connection.send_result(msg["id"], {"id": config["id"], "config": config})


@websocket_api.websocket_command(
    {vol.Required("type"): "aisthos/strings", vol.Optional("language", default="en"): str}
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_strings(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the panel's texts in the asked language, English where it has none."""

    def read() -> dict[str, str]:
        texts: dict[str, str] = json.loads((PANEL_STRINGS / "en.json").read_text("utf-8"))
        language = str(msg["language"]).split("-")[0].lower()
        if language.isalpha() and language != "en":
            own = PANEL_STRINGS / f"{language}.json"
            if own.is_file():
                texts |= json.loads(own.read_text("utf-8"))
        return texts

    connection.send_result(msg["id"], await hass.async_add_executor_job(read))
