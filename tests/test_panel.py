"""The AisthOS panel's backend: the sidebar panel, its commands, native automations.

The same learned evening routine as tests/test_proposals.py, in a real HA with
its automation editor's config API: the panel's approval is that API's own
request, so what is tested here is the whole way but the browser (which
tests/e2e/test_panel_in_the_browser.py adds).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.aisthos.engine.skill_book import Feedback, Status
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from . import test_proposals
from .helpers import running
from .test_proposals import DAYS, motion, only_skill

home = test_proposals.home  # the learned evening routine, as a fixture here too

Home = dict[str, Any]


async def token_for(hass: HomeAssistant, user: MockUser | None = None) -> str:
    """An access token issued now (the frozen clock moved days since the fixtures)."""
    user = user or await hass.auth.async_get_owner() or (await hass.auth.async_get_users())[0]
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    return hass.auth.async_create_access_token(refresh)


class Panel:
    """The panel's side of the conversation: websocket commands and REST calls."""

    def __init__(self, ws: Any, rest: Any) -> None:
        self.ws, self.rest, self._id = ws, rest, 0

    async def call(self, type_: str, **data: Any) -> Any:
        self._id += 1
        await self.ws.send_json({"id": self._id, "type": type_, **data})
        answer = await self.ws.receive_json()
        assert answer["success"], answer
        return answer["result"]

    async def refused(self, type_: str, **data: Any) -> dict[str, Any]:
        self._id += 1
        await self.ws.send_json({"id": self._id, "type": type_, **data})
        answer = await self.ws.receive_json()
        assert answer["success"] is False
        return dict(answer["error"])

    async def save_native(self, skill_id: str) -> dict[str, Any]:
        """What the panel's Approve does first: the automation editor's own request."""
        automation = await self.call("aisthos/automation", skill_id=skill_id)
        response = await self.rest.post(
            f"/api/config/automation/config/{automation['id']}", json=automation["config"]
        )
        assert response.status == 200, await response.text()
        return dict(automation)


async def panel_for(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    user: MockUser | None = None,
) -> Panel:
    token = await token_for(hass, user)
    return Panel(await hass_ws_client(hass, token), await hass_client(token))


async def in_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: Home, skill_id: str
) -> None:
    """The next evening inside the skill's window, then motion in the hall."""
    skill = home["entry"].runtime_data.learner.book.skills[skill_id]
    start = skill.conditions.start
    freezer.move_to(
        home["night"].replace(hour=start // 60, minute=start % 60) + timedelta(minutes=3)
    )
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()


async def test_the_panel_is_in_the_sidebar_for_administrators(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    panel = await panel_for(hass, hass_ws_client, hass_client)
    panels = await panel.call("get_panels")
    mine = panels["aisthos"]
    assert mine["component_name"] == "custom"
    assert mine["require_admin"] is True
    assert mine["title"] == "AisthOS"
    module = mine["config"]["_panel_custom"]["module_url"]
    assert module.startswith("/aisthos_static/aisthos-panel.js?v=")
    # Served from the integration itself: no CDN, works offline.
    response = await panel.rest.get(module)
    assert response.status == 200
    script = await response.text()
    assert 'customElements.define("aisthos-panel"' in script
    assert "innerHTML" not in script  # data is only ever set as text
    assert await hass.config_entries.async_unload(home["entry"].entry_id)
    assert "aisthos" not in await panel.call("get_panels")


async def test_a_suggestion_comes_with_the_picture_of_its_evidence(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    panel = await panel_for(hass, hass_ws_client, hass_client)
    (item,) = await panel.call("aisthos/suggestions")
    assert item["name"] == "Evening hall motion: Hall"
    assert item["status"] == "proposed"
    assert item["actions"] == ["Hall on"]
    assert (item["firings"], item["right"]) == (DAYS, DAYS)
    assert item["precision"] == 1.0
    assert 0 < item["coverage"] <= 1
    strip = item["strip"]
    assert len(strip["days"]) == 28
    start, end = strip["window"]
    seen = [d for d in strip["days"] if d["actions"]]
    # Each evening: motion, then the light, inside the window; off later (not ours).
    assert len(seen) == DAYS, [(d["date"], d["trigger"], d["actions"]) for d in strip["days"][-4:]]
    for day in seen:
        assert day["trigger"], day
        assert all(start <= m <= end for m in day["actions"]), (day, strip["window"])
        assert day["hit"] == 1
    overview = await panel.call("aisthos/overview")
    assert overview["waiting"] == 1
    assert overview["stage"] == "child"


async def test_approving_in_the_panel_makes_an_ordinary_automation_followed_by_id(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    entry = home["entry"]
    book = entry.runtime_data.learner.book
    skill_id = only_skill(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    automation = await panel.save_native(skill_id)
    assert (await panel.call("aisthos/decide", skill_id=skill_id, decision="approve")) == {
        "status": "approved"
    }
    await hass.async_block_till_done(wait_background_tasks=True)

    # HA wrote its own file; the automation is an ordinary one, run by HA alone.
    written = (home["config_dir"] / "automations.yaml").read_text()
    assert written.startswith(home["original"][:40])
    assert f"id: {automation['id']}" in written
    entity_id = er.async_get(hass).async_get_entity_id("automation", "automation", automation["id"])
    assert entity_id is not None
    assert f"aisthos_{skill_id}" not in running(entry)
    (listed,) = [s for s in await panel.call("aisthos/skills") if s["id"] == skill_id]
    assert listed["automation"] == entity_id
    assert listed["runs_in_aisthos"] is False
    triggered = async_capture_events(hass, "automation_triggered")
    await in_window(hass, freezer, home, skill_id)
    assert hass.states.get("light.hall").state == "on"
    assert [e.data["entity_id"] for e in triggered] == [entity_id]

    # Edited in HA's editor: feedback, once (a new session: the clock moved on).
    panel = await panel_for(hass, hass_ws_client, hass_client)
    editor = await (
        await panel.rest.get(f"/api/config/automation/config/{automation['id']}")
    ).json()
    assert "AisthOS" in editor["description"]
    for alias in ("My evening light", "My evening light, again"):
        response = await panel.rest.post(
            f"/api/config/automation/config/{automation['id']}", json=editor | {"alias": alias}
        )
        assert response.status == 200
        await hass.async_block_till_done(wait_background_tasks=True)
    assert book.decision(skill_id).counts.get(Feedback.EDIT.value) == 1

    # Turned off in HA: the skill is paused; its AisthOS switch turns it on again.
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert book.status(skill_id) is Status.PAUSED
    switch = entry.runtime_data.skills.switch_entity_id(skill_id)
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(entity_id).state == "on"
    assert book.status(skill_id) is Status.APPROVED
    assert book.decision(skill_id).counts.get(Feedback.DISABLE.value) == 1

    # Deleted in HA's editor: the household's "no".
    response = await panel.rest.delete(f"/api/config/automation/config/{automation['id']}")
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert book.status(skill_id) is Status.REJECTED
    assert f"aisthos_{skill_id}" not in running(entry)


async def test_a_skill_running_in_aisthos_moves_to_a_native_automation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    await entry.runtime_data.skills.async_approve(skill_id)  # as by voice: runs in AisthOS
    assert f"aisthos_{skill_id}" in running(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    await panel.save_native(skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert f"aisthos_{skill_id}" not in running(entry)  # HA runs it now, not twice
    calls = async_capture_events(hass, "call_service")
    await in_window(hass, freezer, home, skill_id)
    assert [c.data["service"] for c in calls if c.data["domain"] == "light"] == ["turn_on"]


async def test_sparks_are_listed_filtered_with_what_was_dropped(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    panel = await panel_for(hass, hass_ws_client, hass_client)
    everything = await panel.call("aisthos/sparks", hours=24 * 30, limit=200)
    kinds = {s["kind"] for s in everything["sparks"]}
    assert {"motion", "power"} <= kinds
    assert all("ref" not in s for s in everything["sparks"])  # no entity reference leaves
    power = await panel.call("aisthos/sparks", hours=24 * 30, kind="power", limit=200)
    assert power["sparks"]
    assert {s["kind"] for s in power["sparks"]} == {"power"}
    assert all("light.hall" not in s["text"] for s in power["sparks"]), power["sparks"][0]
    hallway = await panel.call("aisthos/sparks", hours=24 * 30, area="nowhere")
    assert hallway["sparks"] == []
    assert hallway["review"] == []
    overview = await panel.call("aisthos/overview")
    assert overview["filter"]["offered"] >= overview["filter"]["passed"] > 0
    for bad in ({"limit": 0}, {"limit": 10**6}, {"hours": -1}):
        assert (await panel.refused("aisthos/sparks", **bad))["code"] == "invalid_format"


async def test_the_panel_texts_fall_back_to_english(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    panel = await panel_for(hass, hass_ws_client, hass_client)
    english = await panel.call("aisthos/strings", language="en")
    assert english["tab_suggestions"] == "Suggestions"
    for language in ("de-CH", "xx", "../../../etc/passwd", ""):
        assert await panel.call("aisthos/strings", language=language) == english
    # Every text the panel's code asks for is there.
    code = (
        Path(__file__).parents[1] / "custom_components/aisthos/frontend/aisthos-panel.js"
    ).read_text()
    asked = set(re.findall(r'this\.t\("([a-z_]+)"', code))
    assert asked <= set(english), asked - set(english)


async def test_only_administrators_use_the_panel(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    hass_read_only_user: MockUser,
    home: Home,
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    user = await hass.auth.async_create_user("Resident", group_ids=["system-users"])
    for who in (user, hass_read_only_user):
        panel = await panel_for(hass, hass_ws_client, hass_client, who)  # type: ignore[arg-type]
        for command, data in (
            ("aisthos/suggestions", {}),
            ("aisthos/skills", {}),
            ("aisthos/sparks", {}),
            ("aisthos/overview", {}),
            ("aisthos/automation", {"skill_id": skill_id}),
            ("aisthos/decide", {"skill_id": skill_id, "decision": "approve"}),
        ):
            assert (await panel.refused(command, **data))["code"] == "unauthorized"
        assert "aisthos" not in await panel.call("get_panels")
    assert entry.runtime_data.learner.book.status(skill_id) is Status.PROPOSED


def test_the_evidence_reads_only_the_skills_entities(tmp_path: Path) -> None:
    """A month of a busy home is never read whole for a picture of one routine."""
    from custom_components.aisthos.engine.spark import Spark
    from custom_components.aisthos.engine.spark_store import SparkStore

    store = SparkStore(tmp_path / "aisthos.db")
    store.open()
    try:
        noise = [
            Spark(1000.0 + i, "motion", "kitchen", "someone", "detected", "motion", "none",
                  "person", f"other{i % 50}")
            for i in range(5000)
        ]  # fmt: skip
        mine = [
            Spark(1500.5 + i, "power", "hallway", "someone", "turned_on", "light", "none",
                  "person", "hall")
            for i in range(3)
        ]  # fmt: skip
        store.add(noise + mine)
        read = store.between_refs(0.0, 10_000.0, {"hall", "nobody"})
        assert [s.time for s in read] == [1500.5, 1501.5, 1502.5]
        assert store.between_refs(1501.0, 1502.0, {"hall"})[0].time == 1501.5
        assert store.between_refs(0.0, 10_000.0, set()) == []
    finally:
        store.close()


async def test_a_skill_shows_its_confidence_night_after_night(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    home: Home,
) -> None:
    entry = home["entry"]
    learner = entry.runtime_data.learner
    skill_id = only_skill(entry)
    await entry.runtime_data.skills.async_approve(skill_id)
    first = learner.last_run.date()  # type: ignore[union-attr]
    await learner.async_learn(first + timedelta(days=1))
    await learner.async_learn(first + timedelta(days=1))  # the same night again: one point
    panel = await panel_for(hass, hass_ws_client, hass_client)
    (mine,) = [s for s in await panel.call("aisthos/skills") if s["id"] == skill_id]
    history = mine["confidence_history"]
    days = [day for day, _ in history]
    assert days[-2:] == [first.isoformat(), (first + timedelta(days=1)).isoformat()]
    assert days == sorted(set(days))  # one point a night
    assert all(0 < value <= 1 for _, value in history)
    stored = hass_storage["aisthos_skills"]["data"]["confidence_history"][skill_id]
    assert [tuple(p) for p in stored] == [tuple(p) for p in history]

    # Damaged history in storage is dropped with a word, the rest still loads.
    learner._load_data({**learner._data(), "confidence_history": {skill_id: [["x"]]}})
    assert learner.confidence_history == {}
    assert skill_id in learner.book.skills
