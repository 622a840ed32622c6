"""Nobody does through AisthOS what Home Assistant would not let them do.

Real users of HA's own auth provider log in through HA's login flow, then
try everything over the REST API, the websocket API and Assist: an
administrator, a normal user (system-users) and a read-only user
(system-read-only). Their permissions are HA's own group policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    CLIENT_REDIRECT_URI,
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Status
from custom_components.aisthos.engine.wisdom import MAX_TEACHINGS
from homeassistant.auth.providers.homeassistant import HassAuthProvider
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .helpers import running

PROPOSED = "s_9876543210"  # "Weekend routine: Kettle", waiting for an answer
APPROVED = "s_0123456789"  # "Evening hall motion: Hall light"
NOT_ALLOWED = "Sorry, you are not allowed to do that."
TEACH = {"phrase": "hostile darkness", "entity_id": "switch.kettle", "action": "turn_on"}
TEACH_LOCK = {"phrase": "good night", "entity_id": "lock.front", "action": "close"}


@dataclass
class Person:
    """A logged-in user and their ways in."""

    name: str
    token: str
    rest: TestClient
    ws: MockHAClientWebSocket
    user_id: str
    _next: int = 100

    async def call(self, domain: str, service: str, **data: Any) -> dict[str, Any]:
        """Call an action over the websocket API; return the whole answer."""
        self._next += 1
        await self.ws.send_json(
            {
                "id": self._next,
                "type": "call_service",
                "domain": domain,
                "service": service,
                "service_data": data,
                "return_response": domain == DOMAIN and service in ("teach", "export_wisdom"),
            }
        )
        while True:  # events of subscriptions may come first
            answer: dict[str, Any] = await self.ws.receive_json()
            if answer.get("id") == self._next and answer["type"] == "result":
                return answer

    async def post(self, domain: str, service: str, **data: Any) -> int:
        """Call an action over the REST API; return the HTTP status."""
        response = await self.rest.post(f"/api/services/{domain}/{service}", json=data)
        return response.status

    async def say(self, text: str) -> str:
        """Talk to Assist over the REST API, as this user."""
        response = await self.rest.post(
            "/api/conversation/process", json={"text": text, "language": "en"}
        )
        assert response.status == 200
        body = await response.json()
        return str(body["response"]["speech"]["plain"]["speech"])


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """AisthOS with a proposal waiting and an approved skill; Assist and HA's APIs."""
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=dt_util.get_default_time_zone()))
    for domain in ("http", "api", "auth", "websocket_api"):
        assert await async_setup_component(hass, domain, {})

    def front_door(hass: HomeAssistant) -> None:
        hass.states.async_set("lock.front", "unlocked", {"friendly_name": "Front door"})

    return await setup_assistant_home(hass, before_setup=front_door)


@pytest.fixture
async def people(
    hass: HomeAssistant,
    home: MockConfigEntry,
    local_auth: HassAuthProvider,
    aiohttp_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> dict[str, Person]:
    """An administrator, a normal user and a read-only user, logged in through HA."""
    anonymous = await aiohttp_client(hass.http.app)
    out: dict[str, Person] = {}
    for name, login, group in (
        ("admin", "alice", "system-admin"),
        ("user", "bob", "system-users"),
        ("read_only", "carol", "system-read-only"),
    ):
        user = await hass.auth.async_create_user(login, group_ids=[group])
        await local_auth.async_add_auth(login, f"{login}-password")
        credentials = await local_auth.async_get_or_create_credentials({"username": login})
        await hass.auth.async_link_user(user, credentials)
        flow = await (
            await anonymous.post(
                "/auth/login_flow",
                json={
                    "client_id": CLIENT_ID,
                    "handler": ["homeassistant", None],
                    "redirect_uri": CLIENT_REDIRECT_URI,
                },
            )
        ).json()
        step = await (
            await anonymous.post(
                f"/auth/login_flow/{flow['flow_id']}",
                json={"client_id": CLIENT_ID, "username": login, "password": f"{login}-password"},
            )
        ).json()
        assert step["type"] == "create_entry", step
        tokens = await (
            await anonymous.post(
                "/auth/token",
                data={
                    "client_id": CLIENT_ID,
                    "grant_type": "authorization_code",
                    "code": step["result"],
                },
            )
        ).json()
        token = tokens["access_token"]
        rest = await aiohttp_client(hass.http.app, headers={"Authorization": f"Bearer {token}"})
        out[name] = Person(name, token, rest, await hass_ws_client(hass, token), user.id)
    assert hass.auth.async_validate_access_token(out["admin"].token) is not None
    return out


def assert_refused(answer: dict[str, Any]) -> None:
    """HA's own answer to a websocket call it refuses a user."""
    assert answer["success"] is False, answer
    assert answer["error"] == {"code": "home_assistant_error", "message": "Unauthorized"}


def what_runs(hass: HomeAssistant) -> tuple[str, list[str]]:
    """Return automations.yaml and what AisthOS runs: neither changes on a refusal."""
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    text = (Path(hass.config.config_dir) / "automations.yaml").read_text()
    return text, sorted(running(entry))


def kettle(hass: HomeAssistant) -> str:
    state = hass.states.get("switch.kettle")
    assert state is not None
    return state.state


# ---- 1. Controlling the home through AisthOS ------------------------------------


@pytest.mark.parametrize("who", ["user", "read_only"])
@pytest.mark.parametrize("data", [TEACH, TEACH_LOCK])
async def test_only_an_administrator_teaches(
    hass: HomeAssistant,
    home: MockConfigEntry,
    people: dict[str, Person],
    who: str,
    data: dict[str, str],
) -> None:
    person, learner = people[who], home.runtime_data.learner
    before = what_runs(hass)
    assert await person.post(DOMAIN, "teach", **data) == 401
    assert_refused(await person.call(DOMAIN, "teach", **data))
    verb = "turn on the kettle" if data is TEACH else "close the front door"
    assert await person.say(f"when I say {data['phrase']} {verb}") == NOT_ALLOWED
    assert learner.teachings == []
    assert what_runs(hass) == before
    # The phrase was never taught: saying it switches nothing.
    await person.say(data["phrase"])
    await hass.async_block_till_done()
    assert kettle(hass) == "off"
    assert hass.states.get("lock.front").state == "unlocked"  # type: ignore[union-attr]


async def test_an_administrator_teaches(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    answer = await people["admin"].call(DOMAIN, "teach", **TEACH)
    assert answer["success"] is True, answer
    assert answer["result"]["response"]["automation_id"].startswith("aisthos_t_")
    assert await people["admin"].say("when I say lights out turn off the kettle") == (
        'Got it. When you say "lights out", I\'ll do that to kettle.'
    )
    assert len(home.runtime_data.learner.teachings) == 2


async def test_running_a_routine_needs_control_of_what_it_does(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    assert await people["read_only"].say("run weekend routine kettle") == NOT_ALLOWED
    await hass.async_block_till_done()
    assert kettle(hass) == "off"
    assert await people["user"].say("run weekend routine kettle") == (
        "Done: Weekend routine: Kettle."
    )
    await hass.async_block_till_done()
    state = hass.states.get("switch.kettle")
    assert state is not None
    assert state.state == "on"
    # Done as that user: HA checked them, and the logbook says who it was.
    assert state.context.user_id == people["user"].user_id


@pytest.mark.parametrize("who", ["user", "read_only"])
async def test_only_an_administrator_approves_by_voice(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person], who: str
) -> None:
    book = home.runtime_data.learner.book
    before = what_runs(hass)
    for sentence in ("approve the last suggestion", "reject the last suggestion"):
        assert await people[who].say(sentence) == NOT_ALLOWED
    assert book.status(PROPOSED) is Status.PROPOSED
    assert what_runs(hass) == before
    assert await people["admin"].say("approve the last suggestion") == (
        "Done. Weekend routine: Kettle will now run by itself."
    )
    assert book.status(PROPOSED) is Status.APPROVED
    assert f"aisthos_{PROPOSED}" in running(home)


async def test_a_read_only_user_cannot_teach_aisthos_how_to_speak(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    learner = home.runtime_data.learner
    before = json.dumps(learner.preferences, sort_keys=True)
    for sentence in ("shorter please", "that was not helpful", "fewer suggestions"):
        assert await people["read_only"].say(sentence) == NOT_ALLOWED
    assert json.dumps(learner.preferences, sort_keys=True) == before
    # Through an LLM agent's tools neither.
    for person, refused in ((people["read_only"], True), (people["user"], False)):
        api = await llm.async_get_api(
            hass,
            DOMAIN,
            llm.LLMContext(
                platform="test",
                context=Context(user_id=person.user_id),
                language="en",
                assistant="conversation",
                device_id=None,
            ),
        )
        result = await api.async_call_tool(
            llm.ToolInput(tool_name="aisthos_style_feedback", tool_args={"reaction": "shorter"})
        )
        assert isinstance(result, llm.ToolResult)
        assert result.error is refused, result
    # Reading stays open to everyone.
    assert (await people["read_only"].say("what have you learned")).startswith("I know 2")
    assert await people["user"].say("shorter please") == "Okay, I'll keep it short."


# ---- 2. The wisdom download ----------------------------------------------------------


async def test_the_wisdom_link_goes_only_to_the_admin_who_asked(
    hass: HomeAssistant,
    home: MockConfigEntry,
    people: dict[str, Person],
    aiohttp_client: ClientSessionGenerator,
) -> None:
    reader = people["read_only"]
    await reader.ws.send_json({"id": 1, "type": "persistent_notification/subscribe"})
    assert (await reader.ws.receive_json())["success"] is True
    await reader.ws.receive_json()  # the notifications there now
    pressed = await people["admin"].call(
        "button", "press", entity_id="button.aisthos_export_wisdom"
    )
    assert pressed["success"] is True, pressed
    seen = ""
    while "aisthos_wisdom_export" not in seen:
        seen = json.dumps(await reader.ws.receive_json())
    for leak in ("/api/aisthos/wisdom", "authSig", "ticket"):
        assert leak not in seen

    for who in ("user", "read_only"):
        assert await people[who].post(DOMAIN, "export_wisdom") == 401
        assert_refused(await people[who].call(DOMAIN, "export_wisdom"))
    answer = await people["admin"].call(DOMAIN, "export_wisdom")
    link = answer["result"]["response"]["url"]
    filename = link.split("?", 1)[0].rsplit("/", 1)[1]
    for who in ("user", "read_only"):
        response = await people[who].rest.get(f"/api/aisthos/wisdom/{filename}")
        assert response.status == 401
    anonymous = await aiohttp_client(hass.http.app)
    download = await anonymous.get(link)
    assert download.status == 200
    assert (await download.json())["format"] == "aisthos.user_wisdom"
    assert (await anonymous.get(link)).status == 401  # once


# ---- 3. Approving through a skill's switch ---------------------------------------------


async def test_only_an_administrator_approves_with_the_switch(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    manager = home.runtime_data.skills
    switch = manager.switch_entity_id(PROPOSED)
    assert switch is not None
    before = what_runs(hass)
    for who in ("user", "read_only"):
        assert await people[who].post("switch", "turn_on", entity_id=switch) == 401
        assert_refused(await people[who].call("switch", "turn_on", entity_id=switch))
    assert manager.book.status(PROPOSED) is Status.PROPOSED
    assert what_runs(hass) == before
    answer = await people["admin"].call("switch", "turn_on", entity_id=switch)
    assert answer["success"] is True, answer
    assert manager.book.status(PROPOSED) is Status.APPROVED


async def test_a_user_may_pause_and_resume_an_approved_skill(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    """As HA lets anyone who controls an automation turn it off and on."""
    manager = home.runtime_data.skills
    switch = manager.switch_entity_id(APPROVED)
    assert switch is not None
    assert await people["read_only"].post("switch", "turn_off", entity_id=switch) == 401
    assert manager.book.status(APPROVED) is Status.APPROVED
    assert (await people["user"].call("switch", "turn_off", entity_id=switch))["success"]
    assert manager.book.status(APPROVED) is Status.PAUSED
    assert (await people["user"].call("switch", "turn_on", entity_id=switch))["success"]
    assert manager.book.status(APPROVED) is Status.APPROVED


# ---- 4. Bounds on what a caller can grow ---------------------------------------------------


async def test_teachings_stop_where_a_wisdom_file_ends(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    learner = home.runtime_data.learner
    signature = {
        "ref": learner.ref_of("switch.kettle"), "action": "turned_on", "kind": "power",
        "object": "switch",
    }  # fmt: skip
    learner.teachings = [
        {"id": f"t_{n:010d}", "phrase": f"phrase {n}", "created": "2026-11-01",
         "actions": [signature | {"area": "unknown"}]}
        for n in range(MAX_TEACHINGS)
    ]  # fmt: skip
    admin = people["admin"]
    answer = await admin.call(DOMAIN, "teach", **TEACH)
    assert answer["success"] is False
    assert answer["error"]["code"] == "service_validation_error"
    assert (
        f"AisthOS already knows {MAX_TEACHINGS} taught phrases, as many as a wisdom file can "
        "carry. Remove a taught automation before teaching another"
    ) in answer["error"]["message"]
    assert len(learner.teachings) == MAX_TEACHINGS
    # So what was taught can still be exported, and imported again.
    exported = await admin.call(DOMAIN, "export_wisdom")
    assert exported["success"] is True, exported
    document = exported["result"]["response"]["wisdom"]
    imported = await admin.call(DOMAIN, "import_wisdom", data=document, mode="replace")
    assert imported["success"] is True, imported


async def test_a_huge_phrase_is_refused_before_anything_reads_it(
    hass: HomeAssistant, home: MockConfigEntry, people: dict[str, Person]
) -> None:
    admin = people["admin"]
    assert await admin.post(DOMAIN, "teach", **TEACH | {"phrase": "lights " * 2_000_000}) == 400
    answer = await admin.call(DOMAIN, "teach", **TEACH | {"phrase": "lights " * 100_000})
    assert answer["error"]["code"] == "invalid_format"
    assert home.runtime_data.learner.teachings == []
