"""The integration and its engine (the add-on's service), running side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
import json
import math
from pathlib import Path
import sys
import time
from typing import Any

from aiohttp.test_utils import TestServer
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Status
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.helpers.service_info.hassio import HassioServiceInfo

from .conftest import default_options
from .helpers import advance, db_rows

ADDON = Path(__file__).resolve().parents[1] / "addon"
sys.path.insert(0, str(ADDON))

from aisthos_addon.config import Settings  # noqa: E402
from aisthos_addon.llm import SkillTextWriter  # noqa: E402
from aisthos_addon.perception import Perceiver, PerceptionModel  # noqa: E402
from aisthos_addon.server import Service, create_app  # noqa: E402

from .addon.onnx_models import RED, build_model, jpeg  # noqa: E402

TOKEN = "engine-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def local_sockets(socket_enabled: None) -> None:
    """The engine is a real server on 127.0.0.1."""


@asynccontextmanager
async def engine(tmp_path: Path, generator: Any = None) -> AsyncIterator[str]:
    settings = Settings(token=TOKEN, data_dir=tmp_path / "engine", interval_seconds=600.0)
    service = Service(settings, perceiver=None, writer=SkillTextWriter(generator))
    async with TestServer(create_app(service), host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")


async def test_the_options_leave_the_engine_to_reconfigure(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        entry = MockConfigEntry(
            domain=DOMAIN,
            version=2,
            data={"secret": "ab" * 32, "engine_url": url, "engine_token": TOKEN},
            options=default_options(),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        fields = {str(key) for key in flow["data_schema"].schema}
        assert "domains" in fields
        assert not fields & {"engine_url", "engine_token"}
        result = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"domains": ["light"], "retention_days": 30}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        # The new options reloaded the entry; the engine, in the data, stayed.
        assert entry.options["domains"] == ["light"]
        assert entry.data["engine_url"] == url
        assert entry.data["engine_token"] == TOKEN
        assert entry.runtime_data.engine is not None
        assert (await entry.runtime_data.engine.async_status())["version"]


async def test_the_add_on_is_discovered_through_the_supervisor(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        host, port = url.removeprefix("http://").split(":")
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": config_entries.SOURCE_HASSIO},
            data=HassioServiceInfo(
                config={"host": host, "port": int(port), "token": TOKEN},
                name="AisthOS",
                slug="aisthos",
                uuid="1234",
            ),
        )
        assert result["step_id"] == "hassio_confirm"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        created = result["result"]
        assert created.data["engine_url"] == url
        assert created.data["engine_token"] == TOKEN
        assert not created.options.keys() & {"engine_url", "engine_token"}
        assert created.options["domains"]  # the defaults, as at a manual setup
        await hass.async_block_till_done()
    bad = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO},
        data=HassioServiceInfo(config={"host": "x"}, name="AisthOS", slug="aisthos", uuid="1"),
    )  # fmt: skip
    assert bad["type"] is FlowResultType.ABORT


def camera_sparks() -> list[dict[str, Any]]:
    """What the add-on's perception makes of a frame with a person raising a hand."""
    perceiver = Perceiver(PerceptionModel(build_model()))
    sparks = perceiver.cycle("camera.living_room", jpeg(RED), (320, 240))
    assert {s.kind for s in sparks} >= {"motion", "gesture", "expression"}
    return [s.as_dict() for s in sparks]


async def test_camera_sparks_from_the_add_on_are_stored(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: Any
) -> None:
    area = ar.async_get(hass).async_create("Lounge")
    camera = er.async_get(hass).async_get_or_create(
        "camera", "test", "lr", suggested_object_id="living_room"
    )
    er.async_get(hass).async_update_entity(camera.entity_id, area_id=area.id)
    hass.states.async_set("camera.living_room", "idle")
    sparks = camera_sparks()
    for spark in sparks:
        spark["time"] = time.time()
        hass.bus.async_fire(
            "aisthos_camera_spark", {"camera": "camera.living_room", "spark": spark}
        )
    await advance(hass, freezer, 3)
    rows = db_rows(hass, "SELECT kind, area, action, extra, ref FROM sparks ORDER BY kind")
    assert [r[0] for r in rows] == sorted(s["kind"] for s in sparks)
    assert {r[1] for r in rows} == {"living_room"}
    gesture = next(r for r in rows if r[0] == "gesture")
    assert 0 <= json.loads(gesture[3])["angle"] <= 180
    assert {r[4] for r in rows} == {loaded_entry.runtime_data.anonymizer.ref("camera.living_room")}


HOSTILE = [
    {"camera": "camera.missing", "spark": {}},
    {"camera": "light.kitchen", "spark": {}},
    {"camera": "camera.living_room", "spark": "a string"},
    {"camera": "camera.living_room", "spark": {"kind": "text", "label": "Anna Smith"}},
    {"camera": "camera.living_room", "spark": {"kind": "gesture", "time": 0, "subject": "someone", "action": "raised_hand", "cause": "person", "extra": {"angle": 45}}},
    {"camera": "camera.living_room", "spark": {"kind": "gesture", "time": "now", "subject": "someone", "action": "raised_hand", "cause": "person", "extra": {"angle": 45}}},
    {"camera": "camera.living_room", "spark": {"kind": "gesture", "time": None, "subject": "someone", "action": "raised_hand", "cause": "person", "extra": {"angle": math.nan}}},
    {"camera": "camera.living_room", "spark": {"kind": "gesture", "time": None, "subject": "someone", "action": "raised_hand", "cause": "person", "extra": {"angle": 400}}},
    {"camera": "camera.living_room", "spark": {"kind": "gesture", "time": None, "subject": "Anna", "action": "raised_hand", "cause": "person", "extra": {"angle": 45}}},
    {"camera": "camera.living_room", "spark": {"kind": "expression", "time": None, "subject": "someone", "action": "showed", "cause": "person", "extra": {"expression": "smirk", "text": "EXIT"}}},
    {"camera": "camera.living_room", "spark": {"kind": "motion", "time": None, "subject": "someone", "action": "detected", "object": "presence", "band": "none", "cause": "person", "image": "/9j/4AAQ"}},
]  # fmt: skip


async def test_hostile_camera_sparks_are_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: Any
) -> None:
    hass.states.async_set("camera.living_room", "idle")
    for event in HOSTILE:
        spark = event["spark"]
        if isinstance(spark, dict) and spark.get("time", 1) is None:
            spark["time"] = time.time()
        hass.bus.async_fire("aisthos_camera_spark", event)
    await advance(hass, freezer, 3)
    assert db_rows(hass) == []
    assert loaded_entry.runtime_data.stats.camera_sparks_refused == len(HOSTILE)


async def test_the_local_llm_names_proposals_and_its_output_is_checked(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    from .test_wisdom_in_ha import home_a, setup_home
    from .wisdom_samples import VALID

    answers = iter(
        [
            '{"name": "{{ states(\\"lock.front\\") }}", "description": "x"}',  # refused by the engine
        ]
    )

    def generator(messages: Any, schema: Any, max_tokens: int) -> str:
        return next(
            answers, '{"name": "Kettle for weekend mornings", "description": "Starts the kettle."}'
        )

    home_a(hass)
    async with engine(tmp_path, generator) as url:
        entry = await setup_home(hass)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, "engine_url": url, "engine_token": TOKEN}
        )
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
        await hass.async_block_till_done()
        book = entry.runtime_data.learner.book
        # The engine refused the first (hostile) answer: the template name stayed.
        assert book.skills["s_9876543210"].name == "Weekend routine: Kettle"
        book.set_status("s_9876543210", Status.LEARNED, date(2026, 11, 1))
        await entry.runtime_data.skills.async_after_learning()
        assert book.skills["s_9876543210"].name == "Kettle for weekend mornings"


async def test_a_refused_token_starts_reauthentication(hass: HomeAssistant, tmp_path: Path) -> None:
    async with engine(tmp_path) as url:
        entry = MockConfigEntry(
            domain=DOMAIN,
            version=2,
            data={"secret": "ab" * 32, "engine_url": url, "engine_token": "an-old-token"},
            options=default_options(),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [f["context"]["source"] for f in flows] == ["reauth"]
        flow_id = flows[0]["flow_id"]
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"engine_token": "still-wrong"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(flow_id, {"engine_token": TOKEN})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.data["engine_token"] == TOKEN
        assert entry.data["engine_url"] == url
        assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_discovery_updates_the_engine_of_the_existing_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        host, port = url.removeprefix("http://").split(":")
        info = HassioServiceInfo(
            config={"host": host, "port": int(port), "token": TOKEN},
            name="AisthOS",
            slug="aisthos",
            uuid="1",
        )
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=info
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "engine_updated"
        await hass.async_block_till_done()
        assert loaded_entry.data["engine_url"] == url
        assert loaded_entry.data["engine_token"] == TOKEN
        assert loaded_entry.runtime_data.engine is not None
        again = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=info
        )
        assert again["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


def discovery(url: str, token: str = TOKEN) -> HassioServiceInfo:
    host, port = url.removeprefix("http://").split(":")
    return HassioServiceInfo(
        config={"host": host, "port": int(port), "token": token},
        name="AisthOS",
        slug="aisthos",
        uuid="1",
    )


async def test_the_add_on_found_asks_only_for_a_confirmation(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery(url)
        )
        assert result["step_id"] == "hassio_confirm"
        (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert flow["context"]["confirm_only"] is True
        assert flow["context"]["unique_id"] == DOMAIN
        # Meanwhile a manual setup would make a second entry: it waits its turn.
        manual = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        assert manual["reason"] == "already_in_progress"
        hass.config_entries.flow.async_abort(result["flow_id"])


async def test_an_ignored_add_on_stays_ignored(hass: HomeAssistant, tmp_path: Path) -> None:
    ignored = MockConfigEntry(
        domain=DOMAIN, source=config_entries.SOURCE_IGNORE, unique_id=DOMAIN, data={}
    )
    ignored.add_to_hass(hass)
    async with engine(tmp_path) as url:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery(url)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
        await hass.async_block_till_done()
    # Neither given the engine nor set up: it is still only ignored.
    assert dict(ignored.options) == dict(ignored.data) == {}
    assert hass.config_entries.async_entries(DOMAIN) == [ignored]


async def test_reconfigure_changes_the_engine_after_checking_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, tmp_path: Path
) -> None:
    assert loaded_entry.runtime_data.engine is None
    data, options = dict(loaded_entry.data), dict(loaded_entry.options)
    async with engine(tmp_path) as url:
        for user_input, error in (
            ({"engine_url": url, "engine_token": "wrong-token"}, "invalid_auth"),
            ({"engine_url": "http://127.0.0.1:9", "engine_token": TOKEN}, "cannot_connect"),
            # aiohttp refuses a password in the URL beside the token header.
            (
                {"engine_url": "http://user:pw@127.0.0.1:9/", "engine_token": TOKEN},
                "cannot_connect",
            ),
        ):
            flow = await loaded_entry.start_reconfigure_flow(hass)
            assert flow["step_id"] == "reconfigure"
            result = await hass.config_entries.flow.async_configure(flow["flow_id"], user_input)
            assert result["errors"] == {"base": error}
            assert dict(loaded_entry.data) == data
            hass.config_entries.flow.async_abort(flow["flow_id"])
        old_runtime = loaded_entry.runtime_data
        flow = await loaded_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {"engine_url": url, "engine_token": TOKEN}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        # Only the engine changed; the entry reloaded with it.
        assert dict(loaded_entry.data) == {**data, "engine_url": url, "engine_token": TOKEN}
        assert dict(loaded_entry.options) == options
        assert loaded_entry.runtime_data is not old_runtime
        assert loaded_entry.runtime_data.engine is not None
        assert (await loaded_entry.runtime_data.engine.async_status())["version"]
    # The form shows what is set now; an empty URL means no engine.
    flow = await loaded_entry.start_reconfigure_flow(hass)
    suggested = {
        str(key): (key.description or {}).get("suggested_value")
        for key in flow["data_schema"].schema
    }
    assert suggested == {"engine_url": url, "engine_token": TOKEN}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert dict(loaded_entry.data) == data
    assert dict(loaded_entry.options) == options
    assert loaded_entry.runtime_data.engine is None


async def test_the_engine_given_at_setup_is_kept_in_the_data(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"domains": ["light"], "engine_url": f" {url} ", "engine_token": TOKEN},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.version == 2
        assert entry.data["engine_url"] == url
        assert entry.data["engine_token"] == TOKEN
        assert entry.options["domains"] == ["light"]
        assert not entry.options.keys() & {"engine_url", "engine_token"}
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.runtime_data.engine is not None
        assert (await entry.runtime_data.engine.async_status())["version"]


async def test_an_engine_that_does_not_work_is_never_saved(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with engine(tmp_path) as url:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"engine_url": url, "engine_token": "wrong-token"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        # The add-on announcing a token the engine refuses: nothing to confirm.
        hass.config_entries.flow.async_abort(result["flow_id"])
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": config_entries.SOURCE_HASSIO},
            data=discovery(url, "wrong-token"),
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "invalid_auth"
        assert hass.config_entries.async_entries(DOMAIN) == []
        # Set up; then the add-on announces an address where nothing answers.
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery(url)
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        entry = result["result"]
        await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_HASSIO},
        data=discovery("http://127.0.0.1:9"),
    )
    assert result["reason"] == "cannot_connect"
    assert entry.data["engine_url"] == url
