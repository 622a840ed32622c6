"""The companion: an Assist agent answered by the add-on, its exchanges kept for Track C."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
from pathlib import Path
import sys
from typing import Any

from aiohttp.test_utils import TestServer
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.aisthos.const import DOMAIN
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import area_registry as ar, entity_registry as er, intent
from homeassistant.setup import async_setup_component

from .conftest import default_options

ADDON = Path(__file__).resolve().parents[1] / "addon"
sys.path.insert(0, str(ADDON))

from aisthos_addon.config import Settings  # noqa: E402
from aisthos_addon.llm import SkillTextWriter  # noqa: E402
from aisthos_addon.server import Service, create_app  # noqa: E402

TOKEN = "engine-token-0123456789abcdef"
AGENT = "conversation.aisthos_companion"


@pytest.fixture(autouse=True)
def local_sockets(socket_enabled: None) -> None:
    """The add-on's service is a real server on 127.0.0.1."""


def generator(messages: Any, _schema: Any, _max_tokens: int) -> str:
    """A local model that answers in one fixed way (and shows what it was told)."""
    told = messages[-1]["content"]
    return json.dumps({"answer": f"The hall light is on. ({len(told)} characters heard)"})


@asynccontextmanager
async def connected(
    hass: HomeAssistant, tmp_path: Path, model: Any
) -> AsyncIterator[MockConfigEntry]:
    """Start the add-on's service with this model, and AisthOS connected to it."""
    settings = Settings(token=TOKEN, data_dir=tmp_path / "addon", interval_seconds=600.0)
    service = Service(settings, perceiver=None, writer=SkillTextWriter(model))
    async with TestServer(create_app(service), host="127.0.0.1") as server:
        assert await async_setup_component(hass, "homeassistant", {})
        assert await async_setup_component(hass, "conversation", {})
        url = str(server.make_url("")).rstrip("/")
        entry = MockConfigEntry(
            domain=DOMAIN,
            version=2,
            data={"secret": "ab" * 32, "engine_url": url, "engine_token": TOKEN},
            options=default_options(),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry


@asynccontextmanager
async def companion(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[Path]:
    """AisthOS with the add-on's fixed-answer model; yield the add-on's data folder."""
    async with connected(hass, tmp_path, generator):
        yield tmp_path / "addon"


async def ask(hass: HomeAssistant, text: str) -> conversation.ConversationResult:
    return await conversation.async_converse(hass, text, None, Context(), agent_id=AGENT)


async def test_the_companion_answers_and_keeps_the_exchange_masked(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with companion(hass, tmp_path) as addon_data:
        assert er.async_get(hass).async_get(AGENT) is not None
        result = await ask(hass, "Is the hall light on? Mail me at ann@example.com")
        speech = result.response.speech["plain"]["speech"]
        assert speech.startswith("The hall light is on.")
        runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
        (item,) = runtime.interactions.items
        assert "[email]" in item["user"]
        assert "ann@example.com" not in json.dumps(runtime.interactions.items)
        assert item["assistant"] == speech
        # A correction of the reply becomes what the fine-tune learns from.
        await hass.services.async_call(
            DOMAIN,
            "rate_answer",
            {"helpful": False, "correction": "Yes, it is on. Call 0151 2345 6789 if not."},
            blocking=True,
        )
        assert item["reaction"] == "edited"
        assert "[phone]" in item["edited"]
        await runtime._async_send_interactions()
        export = json.loads((addon_data / "finetune" / "interactions.json").read_text())
        assert export["format"] == "aisthos-interactions"
        assert [i["reaction"] for i in export["interactions"]] == ["edited"]
        assert "conversation_id" not in export["interactions"][0]


async def test_the_households_names_are_masked_in_what_is_kept(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """Its people and users, as HA knows them, but not its rooms; again when sent."""
    hass.states.async_set("person.anna", "home", {"friendly_name": "Anna Weber"})
    await hass.auth.async_create_user("Jonas")
    await hass.auth.async_create_user("Living Room Display")  # a wall panel's login
    ar.async_get(hass).async_create("Living Room")
    async with companion(hass, tmp_path) as addon_data:
        await ask(hass, "Tell anna that JONAS called about Annabelle and the living room")
        runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
        (item,) = runtime.interactions.items
        assert item["user"] == (
            "Tell [name] that [name] called about Annabelle and the living room"
        )
        await hass.services.async_call(
            DOMAIN, "rate_answer", {"helpful": False, "correction": "Ask Weber."}, blocking=True
        )
        assert item["edited"] == "Ask [name]."
        kept = json.dumps(runtime.interactions.items).lower()
        assert "anna " not in kept
        assert "jonas" not in kept
        assert "weber" not in kept
        # One kept before a name was known (an earlier version): masked when sent.
        item["user"] = "Is Jonas home?"
        await runtime._async_send_interactions()
        export = json.loads((addon_data / "finetune" / "interactions.json").read_text())
        assert export["interactions"][0]["user"] == "Is [name] home?"


async def test_spoken_reactions_rate_the_last_answer(hass: HomeAssistant, tmp_path: Path) -> None:
    async with companion(hass, tmp_path):
        await ask(hass, "What is on?")
        runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
        # Said to the companion itself: AisthOS's sentence, not a question for the model.
        result = await ask(hass, "that was helpful")
        assert not result.response.speech["plain"]["speech"].startswith("The hall light")
        assert len(runtime.interactions.items) == 1
        assert runtime.interactions.items[-1]["reaction"] == "up"
        assert runtime.interactions.counts()["up"] == 1


async def test_the_kept_exchanges_survive_a_restart_and_can_be_forgotten(
    hass: HomeAssistant, tmp_path: Path, hass_read_only_user: MockUser
) -> None:
    async with companion(hass, tmp_path):
        await ask(hass, "Hello")
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        runtime = entry.runtime_data
        assert len(runtime.interactions.items) == 1
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                "forget_conversations",
                {},
                blocking=True,
                context=Context(user_id=hass_read_only_user.id),
            )
        response = await hass.services.async_call(
            DOMAIN, "forget_conversations", {}, blocking=True, return_response=True
        )
        assert response == {"forgotten": 1}
        assert runtime.interactions.items == []
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(DOMAIN, "rate_answer", {"helpful": True}, blocking=True)
        assert await hass.config_entries.async_reload(entry.entry_id)
        assert entry.runtime_data.interactions.items == []


async def test_without_its_model_the_companion_says_so(hass: HomeAssistant, tmp_path: Path) -> None:
    async with connected(hass, tmp_path, None) as entry:
        result = await ask(hass, "Hello")
        assert result.response.response_type is intent.IntentResponseType.ERROR
        assert "cannot answer" in result.response.speech["plain"]["speech"]
        assert entry.runtime_data.interactions.items == []


async def test_without_an_add_on_there_is_no_companion(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert er.async_get(hass).async_get(AGENT) is None


async def test_the_panel_shows_the_kept_exchanges_and_the_training(
    hass: HomeAssistant, tmp_path: Path, hass_ws_client: Any
) -> None:
    async with companion(hass, tmp_path):
        await ask(hass, "Hello")
        client = await hass_ws_client(hass)
        await client.send_json_auto_id({"type": "aisthos/overview"})
        reply = await client.receive_json()
        assert reply["success"], reply
        shown = reply["result"]["companion"]
        assert shown["connected"] is True
        assert shown["interactions"] == {"none": 1, "up": 0, "down": 0, "edited": 0}
        # The add-on's Track C status, as the add-on reports it (no model folder here).
        assert shown["training"]["status"]
        assert shown["training"]["last_report"] is None
        assert "Hello" not in json.dumps(shown)


class Scripted:
    """A local model whose next answers the test sets (None: it refuses)."""

    def __init__(self) -> None:
        self.answers: list[str | None] = []

    def __call__(self, messages: Any, _schema: Any, _max_tokens: int) -> str:
        answer = self.answers.pop(0) if self.answers else "Fine."
        return "not json" if answer is None else json.dumps({"answer": answer})


@asynccontextmanager
async def scripted(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[tuple[Scripted, Any]]:
    model = Scripted()
    async with connected(hass, tmp_path, model) as entry:
        yield model, entry.runtime_data


async def test_a_list_answer_keeps_its_lines(hass: HomeAssistant, tmp_path: Path) -> None:
    async with scripted(hass, tmp_path) as (model, _runtime):
        model.answers = ["On:\n- the hall light\n- the kettle"]
        result = await ask(hass, "What is on?")
        assert result.response.speech["plain"]["speech"] == "On:\n- the hall light\n- the kettle"


async def test_a_model_that_fails_leaves_the_engine_available(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with scripted(hass, tmp_path) as (model, runtime):
        model.answers = [None]
        result = await ask(hass, "Hello")
        assert result.response.response_type is intent.IntentResponseType.ERROR
        assert runtime.engine.available is True


async def test_spoken_reactions_are_about_the_latest_answer_only(
    hass: HomeAssistant, tmp_path: Path, hass_read_only_user: MockUser
) -> None:
    async with scripted(hass, tmp_path) as (model, runtime):
        model.answers = ["First.", None]
        await ask(hass, "One")
        await ask(hass, "Two")  # refused: nothing kept
        await runtime.voice._feedback("not_helpful", "sorry")
        assert runtime.interactions.items[-1]["reaction"] == "none"
        model.answers = ["Third."]
        await ask(hass, "Three")
        # Only an administrator's correction becomes a training target.
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                "rate_answer",
                {"helpful": False, "correction": "The alarm code is 1234."},
                blocking=True,
                context=Context(user_id=hass_read_only_user.id),
            )
        await hass.services.async_call(
            DOMAIN, "rate_answer", {"helpful": False, "correction": "Third, done."}, blocking=True
        )
        await runtime.voice._feedback("helpful", "thanks")
        assert runtime.interactions.items[-1]["reaction"] == "edited"
        assert runtime.interactions.items[-1]["edited"] == "Third, done."


async def test_forgetting_empties_the_add_ons_copy_too(hass: HomeAssistant, tmp_path: Path) -> None:
    async with scripted(hass, tmp_path) as (_model, runtime):
        await ask(hass, "Hello")
        await runtime._async_send_interactions()
        copy = tmp_path / "addon" / "finetune" / "interactions.json"
        assert len(json.loads(copy.read_text())["interactions"]) == 1
        await hass.services.async_call(DOMAIN, "forget_conversations", {}, blocking=True)
        assert not copy.exists()


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("mail ann (at) example (dot) com", "mail [email]"),
        ("reset it at example.com/reset?token=9", "reset it at [link]"),
        ("the NAS is nas.example.org", "the NAS is [link]"),
        ("meet at 5. ok", "meet at 5. ok"),
    ],
)
def test_spelled_out_addresses_are_masked(said: str, kept: str) -> None:
    from custom_components.aisthos.engine.privacy import mask_personal

    assert mask_personal(said) == kept


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("turn on anna's lamp", "turn on [name]'s lamp"),
        ("Annas Lampe, z Annami", "[name] Lampe, z [name]"),  # endings of a few letters
        ("Annabelle is not Anna", "Annabelle is not [name]"),
        ("Jo and J. Li", "[name] and J. [name]"),
        ("will it rain, Will?", "[name] it rain, [name]?"),
        ("mail anna@example.com", "mail [email]"),
        ("प्रिया का कमरा", "[name] का कमरा"),  # vowel signs are part of the name
        ("王芳的灯", "[name]的灯"),  # written without spaces
        ("ลิซ่าอยู่ไหม", "[name]อยู่ไหม"),
        ("민지의 방", "[name]의 방"),
        ("Zoe\u0308 is home", "[name] is home"),  # the same name, decomposed
        ("see https://example.com/link or call +49 151 2345678", "see [link] or call [phone]"),
        ("the kitchen light", "the kitchen light"),  # a room is no name
        ("[Anna] and [link]", "[[name]] and [link]"),  # brackets hide no name
    ],
)
def test_the_households_names_are_masked(said: str, kept: str) -> None:
    from custom_components.aisthos.engine.privacy import mask_personal

    names = ["Anna", "Jo Li", "Will", "J", "प्रिया", "王芳", "ลิซ่า", "민지", "Zoë", "Link", "Phone"]
    names.append("Kitchen Tablet")
    assert mask_personal(said, names, ["Kitchen"]) == kept


async def test_user_wisdom_carries_only_counts_of_the_conversations(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    async with companion(hass, tmp_path):
        await ask(hass, "My code word is Bluebird")
        response = await hass.services.async_call(
            DOMAIN, "export_wisdom", {}, blocking=True, return_response=True
        )
        wisdom = response["wisdom"]
        assert wisdom["observations"]["companion"] == {"none": 1, "up": 0, "down": 0, "edited": 0}
        assert "Bluebird" not in json.dumps(wisdom)


async def test_the_companion_looks_things_up_with_aisthos_tools(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    seen: list[str] = []

    class UsesATool(Scripted):
        def __call__(self, messages: Any, schema: Any, _max_tokens: int) -> str:
            seen.append(messages[-1]["content"])
            if "tool" in schema["properties"]:
                assert "aisthos_summarise_learning" in json.dumps(schema)
                return json.dumps({"tool": "aisthos_summarise_learning", "arguments": {}})
            return json.dumps({"answer": "I am still learning: infant stage."})

    async with connected(hass, tmp_path, UsesATool()):
        result = await ask(hass, "How far along are you by now?")
    assert result.response.speech["plain"]["speech"] == "I am still learning: infant stage."
    # The second question carried what the tool found (the stage, from AisthOS itself).
    assert len(seen) == 2
    assert "aisthos_summarise_learning found" in seen[1]
    assert "infant" in seen[1]


async def test_a_tool_the_model_was_not_offered_is_refused(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    class Invents(Scripted):
        def __call__(self, messages: Any, schema: Any, _max_tokens: int) -> str:
            return json.dumps({"tool": "unlock_all_doors", "arguments": {}})

    async with connected(hass, tmp_path, Invents()):
        result = await ask(hass, "Open up")
    assert result.response.response_type is intent.IntentResponseType.ERROR


async def test_diagnostics_hold_counts_and_the_training_never_words(
    hass: HomeAssistant, tmp_path: Path, hass_client: Any
) -> None:
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    assert await async_setup_component(hass, "diagnostics", {})
    async with connected(hass, tmp_path, generator) as entry:
        await ask(hass, "My secret word is Bluebird")
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    shown = diagnostics["companion"]
    assert shown["interactions"]["none"] == 1
    assert shown["training"]["available"] in (True, False)
    assert "Bluebird" not in json.dumps(diagnostics)
