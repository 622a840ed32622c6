"""Services of AisthOS, registered once in async_setup."""

from __future__ import annotations

from typing import Any, cast

import probatio as vol

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.automation_config import UnsafeSkillError, compile_automation
from .engine.ontology import Kind
from .engine.spark import Spark
from .engine.spark_store import StoreError
from .engine.teaching import PHRASE_MAX
from .engine.wisdom import WisdomError
from .history_import import async_import_recent_history
from .permissions import async_caller, async_require_admin
from .runtime import AisthosRuntime, loaded_runtime
from .wisdom_download import EXPORT_ERRORS, async_download_link, export_error
from .wisdom_service import PathNotAllowedError

SERVICE_LIST_SPARKS = "list_sparks"
SERVICE_IMPORT_HISTORY = "import_history"
SERVICE_LEARN = "learn"
SERVICE_TEACH = "teach"
SERVICE_EXPORT_WISDOM = "export_wisdom"
SERVICE_IMPORT_WISDOM = "import_wisdom"
SERVICE_RATE_ANSWER = "rate_answer"
SERVICE_FORGET_CONVERSATIONS = "forget_conversations"

RATE_ANSWER_SCHEMA = vol.Schema(
    {
        vol.Required("helpful"): cv.boolean,
        vol.Optional("correction"): vol.All(cv.string, vol.Length(min=1, max=1000)),
        vol.Optional("conversation_id"): cv.string,
    }
)

IMPORT_WISDOM_SCHEMA = vol.Schema(
    {
        vol.Exclusive("path", "source"): cv.string,
        vol.Exclusive("data", "source"): dict,
        vol.Optional("mode", default="merge"): vol.In(["merge", "replace"]),
    }
)

LIST_SPARKS_SCHEMA = vol.Schema(
    {
        vol.Optional("limit", default=50): vol.All(vol.Coerce(int), vol.Range(min=1, max=1000)),
        vol.Optional("kind"): vol.In([k.value for k in Kind]),
        vol.Optional("since"): cv.datetime,
    }
)
IMPORT_HISTORY_SCHEMA = vol.Schema(
    {vol.Optional("days", default=10): vol.All(vol.Coerce(int), vol.Range(min=1, max=60))}
)


def _runtime(hass: HomeAssistant) -> AisthosRuntime:
    if (runtime := loaded_runtime(hass)) is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    return runtime


def _store_error(err: StoreError) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="store_error",
        translation_placeholders={"error": str(err)},
    )


def spark_response(spark: Spark) -> dict[str, Any]:
    """Return a Spark as service response data (time as local ISO 8601)."""
    data = spark.as_dict()
    data.pop("ref")
    data["time"] = dt_util.as_local(dt_util.utc_from_timestamp(spark.time)).isoformat()
    data["line"] = spark.render(dt_util.get_default_time_zone())
    return data


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""

    async def list_sparks(call: ServiceCall) -> ServiceResponse:
        runtime = _runtime(hass)
        since = call.data.get("since")
        since_ts = dt_util.as_utc(since).timestamp() if since is not None else None
        try:
            sparks = await runtime.async_recent(call.data["limit"], since_ts, call.data.get("kind"))
        except StoreError as err:
            raise _store_error(err) from err
        return {"sparks": [spark_response(s) for s in sparks]}

    async def import_history(call: ServiceCall) -> ServiceResponse:
        runtime = _runtime(hass)
        if runtime.writes_paused:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="backup_running")
        # One import at a time: two would both see the range as not yet imported.
        async with runtime.import_lock:
            try:
                imported = await async_import_recent_history(hass, runtime, call.data["days"])
            except StoreError as err:
                raise _store_error(err) from err
        return cast(ServiceResponse, imported)

    async def learn(call: ServiceCall) -> ServiceResponse:
        learner = _runtime(hass).learner
        try:
            skills = await learner.async_learn()
        except StoreError as err:
            raise _store_error(err) from err
        entity_map = learner.entity_map()
        describe = learner.describe(entity_map)
        out = []
        for skill in sorted(skills, key=lambda s: -s.confidence):
            item: dict[str, Any] = {
                "id": skill.id,
                "name": skill.name,
                "confidence": round(skill.confidence, 3),
                "learned_from": skill.learned_from,
                "explanation": skill.explanation,
                "definition": skill.definition(describe),
            }
            try:
                item["automation"] = compile_automation(skill, entity_map.get)
            except UnsafeSkillError as err:
                item["automation"] = None
                item["not_automatable"] = str(err)
            out.append(item)
        return cast(ServiceResponse, {"skills": out})

    # Learning makes proposals, and taught phrases are automations: for
    # administrators, as Home Assistant's automation editor is.
    async_register_admin_service(
        hass, DOMAIN, SERVICE_LEARN, learn, vol.Schema({}), SupportsResponse.OPTIONAL
    )

    async def teach(call: ServiceCall) -> ServiceResponse:
        runtime = _runtime(hass)
        teaching_id = await runtime.skills.async_teach(
            call.data["phrase"], call.data["entity_id"], call.data["action"]
        )
        return {"teaching_id": teaching_id, "automation_id": f"aisthos_{teaching_id}"}

    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_TEACH,
        teach,
        vol.Schema(
            {
                # Bounded before anything splits it: a phrase is a few words.
                vol.Required("phrase"): vol.All(cv.string, vol.Length(max=4 * PHRASE_MAX)),
                vol.Required("entity_id"): cv.entity_id,
                vol.Required("action"): vol.In(["turn_on", "turn_off", "open", "close"]),
            }
        ),
        SupportsResponse.OPTIONAL,
    )

    async def export_wisdom(call: ServiceCall) -> ServiceResponse:
        runtime = _runtime(hass)
        try:
            path, document = await runtime.wisdom.async_export()
        except EXPORT_ERRORS as err:
            raise export_error(err) from err
        # The link is answered to the administrator who asked, and to nobody else.
        user = await async_caller(hass, call.context)
        url = async_download_link(hass, path, user) if user is not None else None
        return {"path": str(path), "url": url, "wisdom": document}

    async def import_wisdom(call: ServiceCall) -> ServiceResponse:
        runtime = _runtime(hass)
        if "path" not in call.data and "data" not in call.data:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="wisdom_invalid",
                translation_placeholders={"error": "give either a path or the data of a file"},
            )
        try:
            if "path" in call.data:
                raw: str | dict[str, Any] = await runtime.wisdom.async_read_file(call.data["path"])
            else:
                raw = dict(call.data["data"])
            result = await runtime.wisdom.async_import(raw, call.data["mode"])
        except PathNotAllowedError:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="path_not_allowed",
                translation_placeholders={"path": call.data["path"]},
            ) from None
        except WisdomError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="wisdom_invalid",
                translation_placeholders={"error": str(err)},
            ) from err
        return cast(ServiceResponse, result.as_dict())

    async def rate_answer(call: ServiceCall) -> None:
        if call.data.get("correction"):
            # A correction becomes what the model is trained to say: an
            # administrator's word, as teaching is.
            await async_require_admin(hass, call.context)
        found = await _runtime(hass).interactions.async_react(
            call.data["helpful"], call.data.get("correction"), call.data.get("conversation_id")
        )
        if not found:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_answer_to_rate"
            )

    async def forget_conversations(call: ServiceCall) -> ServiceResponse:
        return {"forgotten": await _runtime(hass).async_forget_interactions()}

    hass.services.async_register(DOMAIN, SERVICE_RATE_ANSWER, rate_answer, RATE_ANSWER_SCHEMA)
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_FORGET_CONVERSATIONS,
        forget_conversations,
        vol.Schema({}),
        SupportsResponse.OPTIONAL,
    )

    # What was learned, the files it is kept in and the whole recorder history
    # are for administrators, as Home Assistant's own backups are.
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_EXPORT_WISDOM,
        export_wisdom,
        vol.Schema({}),
        SupportsResponse.OPTIONAL,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_IMPORT_WISDOM,
        import_wisdom,
        IMPORT_WISDOM_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_LIST_SPARKS, list_sparks, LIST_SPARKS_SCHEMA, SupportsResponse.ONLY
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_IMPORT_HISTORY,
        import_history,
        IMPORT_HISTORY_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
