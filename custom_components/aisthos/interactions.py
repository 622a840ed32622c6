"""What the household says to the companion, kept for Track C (masked, bounded).

Each exchange with the AisthOS conversation agent is kept in AisthOS's own
storage with the household's reaction (helpful, not helpful, or a correction
of the reply). Nightly, the kept exchanges go to the add-on as its
interactions export; its weekly fine-tune learns from the liked and corrected
replies. Nothing leaves the household's machines; e-mail addresses, phone
numbers, web addresses and the household's names (its people and users) are
masked before anything is stored; the whole log can be deleted. User Wisdom
carries only counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .engine.privacy import mask_personal

STORAGE_KEY: Final = "aisthos.interactions"
STORAGE_VERSION: Final = 1
LIMIT: Final = 500  # the newest exchanges; older ones have been learned from
SAVE_DELAY_S: Final = 10.0
TEXT_MAX: Final = 1000
REACTIONS: Final = ("none", "up", "down", "edited")
PERSONA: Final = "You are AisthOS, a calm, friendly home companion. Answer briefly."


class InteractionLog:
    """The companion's exchanges and the household's reactions."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create; async_load() reads what was kept."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY, private=True)
        self.items: list[dict[str, Any]] = []
        # Whether the companion's last attempt failed (nothing kept): a spoken
        # reaction right after it is about that, not about an older answer.
        self.last_failed = False
        self._dirty = False

    async def async_load(self) -> None:
        """Read the kept exchanges (a damaged file starts an empty log)."""
        data = await self._store.async_load() or {}
        items = data.get("interactions") if isinstance(data, dict) else None
        self.items = [i for i in items if _valid(i)] if isinstance(items, list) else []

    async def async_names(self) -> tuple[list[str], list[str]]:
        """Return the household's names as HA knows them (its people and users), and its rooms.

        The rooms' words are never taken for a name: a wall panel's user
        "Kitchen Tablet" would mask every kitchen.
        """
        names = [state.name for state in self._hass.states.async_all("person")]
        users = await self._hass.auth.async_get_users()
        names += [u.name for u in users if u.name and not u.system_generated]
        rooms = [area.name for area in ar.async_get(self._hass).async_list_areas()]
        return names, rooms

    def _masked(self, text: str, names: tuple[list[str], list[str]]) -> str:
        # Masked whole, then cut: a name cut in half would not be recognised.
        return mask_personal(text[: 4 * TEXT_MAX], *names)[:TEXT_MAX]

    async def async_record(self, conversation_id: str, user: str, assistant: str) -> None:
        """Keep one exchange (masked), the newest LIMIT at most."""
        names = await self.async_names()
        self.items.append(
            {
                "time": dt_util.utcnow().isoformat(timespec="seconds"),
                "conversation_id": conversation_id,
                "user": self._masked(user, names),
                "assistant": self._masked(assistant, names),
                "reaction": "none",
            }
        )
        del self.items[:-LIMIT]
        self.last_failed = False
        self._save()

    async def async_react(
        self,
        helpful: bool | None,
        correction: str | None,
        conversation_id: str | None = None,
        max_age_s: float | None = None,
    ) -> bool:
        """Mark the last answer (of a conversation, or recent enough) helpful, not, or corrected.

        With max_age_s (a spoken reaction): only the companion's latest
        attempt, if it was answered, and a correction already given stays.
        """
        oldest = dt_util.utcnow().timestamp() - max_age_s if max_age_s is not None else None
        if oldest is not None and self.last_failed:
            return False
        for item in reversed(self.items):
            if oldest is not None and datetime.fromisoformat(item["time"]).timestamp() < oldest:
                return False
            if conversation_id is None or item["conversation_id"] == conversation_id:
                if correction:
                    item["reaction"], item["edited"] = (
                        "edited",
                        self._masked(correction, await self.async_names()),
                    )
                elif oldest is not None and item["reaction"] == "edited":
                    return False  # "that was helpful" does not undo a correction
                else:
                    item["reaction"] = "up" if helpful else "down"
                    item.pop("edited", None)
                self._save()
                return True
        return False

    def _save(self) -> None:
        # Coalesced: a busy conversation is one write, not one per exchange.
        self._dirty = True
        self._store.async_delay_save(lambda: {"interactions": self.items}, SAVE_DELAY_S)

    async def async_flush(self) -> None:
        """Write what a coalesced save still holds (the entry unloads)."""
        if self._dirty:
            self._dirty = False
            await self._store.async_save({"interactions": self.items})

    async def async_clear(self) -> int:
        """Delete every kept exchange; return how many there were."""
        count = len(self.items)
        self.items = []
        self._dirty = False
        await self._store.async_remove()
        return count

    def export(
        self,
        style: dict[str, str] | None = None,
        names: tuple[list[str], list[str]] = ([], []),
    ) -> dict[str, Any]:
        """Return the add-on's interactions export (documented in its finetune module).

        names (async_names): masked again, for exchanges kept before a name was
        known (a person added later, an earlier version that masked none).
        """
        persona = PERSONA
        if style:
            persona += " Style: " + ", ".join(f"{k} {v}" for k, v in sorted(style.items()))
        texts = ("user", "assistant", "edited")
        return {
            "format": "aisthos-interactions",
            "version": 1,
            "persona": persona,
            "interactions": [
                {
                    k: mask_personal(v, *names) if k in texts else v
                    for k, v in item.items()
                    if k != "conversation_id"
                }
                for item in self.items
            ],
        }

    def counts(self) -> dict[str, int]:
        """Return how many exchanges are kept, by reaction (diagnostics, User Wisdom)."""
        out = dict.fromkeys(REACTIONS, 0)
        for item in self.items:
            out[item["reaction"]] += 1
        return out


def _valid(item: Any) -> bool:
    if not isinstance(item, dict) or item.get("reaction") not in REACTIONS:
        return False
    if not all(isinstance(item.get(k), str) for k in ("time", "user", "assistant")):
        return False
    try:
        datetime.fromisoformat(item["time"])
    except ValueError:
        return False
    return isinstance(item.get("conversation_id", ""), str)
