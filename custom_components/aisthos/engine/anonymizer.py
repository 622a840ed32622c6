"""Turn identities into tokens that are stable in this home and meaningless elsewhere.

People become 'resident_a', 'resident_b' in order of first appearance; areas
become room types ('kitchen', 'bedroom_2') guessed from their names; entities
become short keyed hashes. Only the keyed hashes are remembered, so the token
tables never hold a name either.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import hmac
import re
import threading
from typing import Any, Final

from .ontology import AREA_UNKNOWN, MAX_AREAS_PER_TYPE, MAX_RESIDENTS, SUBJECT_SOMEONE, RoomType

REF_LENGTH: Final = 12

# Keyword → room type, checked in order (first match wins), multilingual where cheap.
_ROOM_KEYWORDS: Final[tuple[tuple[RoomType, tuple[str, ...]], ...]] = (
    (RoomType.BATHROOM, ("bath", "toilet", "wc", "restroom", "shower", "lavatory", "bad")),
    (RoomType.BEDROOM, ("bedroom", "bed room", "nursery", "schlafzimmer", "kids", "child")),
    (RoomType.KITCHEN, ("kitchen", "küche", "kueche", "cuisine", "pantry")),
    (RoomType.LIVING_ROOM, ("living", "lounge", "family room", "wohnzimmer", "salon", "tv room")),
    (RoomType.DINING_ROOM, ("dining", "esszimmer")),
    (
        RoomType.HALLWAY,
        ("hall", "entrance", "entry", "corridor", "foyer", "flur", "porch", "mudroom"),
    ),
    (RoomType.OFFICE, ("office", "study", "den", "büro", "buero", "workroom")),
    (RoomType.GARAGE, ("garage", "carport")),
    (
        RoomType.GARDEN,
        ("garden", "yard", "patio", "terrace", "balcony", "outdoor", "outside", "garten"),
    ),
    (RoomType.LAUNDRY, ("laundry", "utility", "washroom")),
    (RoomType.BASEMENT, ("basement", "cellar", "keller")),
    (RoomType.ATTIC, ("attic", "loft", "dachboden")),
    (RoomType.STAIRS, ("stair", "landing", "treppe")),
)
_WORD = re.compile(r"[^\w ]+")


def room_type(area_name: str | None) -> RoomType:
    """Guess a room type from an area's name (the name itself is then forgotten)."""
    if not area_name:
        return RoomType.ROOM
    text = " " + _WORD.sub(" ", area_name.casefold()) + " "
    for room, keywords in _ROOM_KEYWORDS:
        for word in keywords:
            # Short keywords must be whole words ("wc", "den", "bad").
            if (f" {word} " in text) if len(word) <= 3 else (word in text):
                return room
    return RoomType.ROOM


class Anonymizer:
    """Keyed, stable, home-local tokens for entities, people and areas."""

    def __init__(self, secret: bytes, state: Mapping[str, Any] | None = None) -> None:
        """Create with the home's secret and, optionally, saved token tables."""
        if len(secret) < 16:
            raise ValueError("the anonymizer secret must be at least 16 bytes")
        self._secret = secret
        # Held while a new token is handed out: Sparks are made in a worker
        # thread while the event loop may name an area (a camera, an import).
        self._assign = threading.Lock()
        self._refs: dict[str, str] = {}
        self._residents: dict[str, str] = {}
        self._areas: dict[str, str] = {}
        self.load(state or {})

    def load(self, state: Mapping[str, Any]) -> None:
        """Take over saved token tables (they hold keyed hashes only)."""
        self._residents = {str(k): str(v) for k, v in dict(state.get("residents", {})).items()}
        self._areas = {str(k): str(v) for k, v in dict(state.get("areas", {})).items()}
        self.changed = False

    def ref(self, key: str) -> str:
        """Return the keyed hash of an entity id (or any local key)."""
        ref = self._refs.get(key)
        if ref is None:
            digest = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()
            ref = self._refs[key] = digest[:REF_LENGTH]
        return ref

    @staticmethod
    def act(context_id: str | None) -> int:
        """Return a keyed 16-bit tag of a Home Assistant context (0 without one).

        Changes sharing a context are one act (a group and its lights, a
        scene); the tag lets learning tell so, and says nothing else. Only
        tags of changes seconds apart are ever compared, so Python's own
        string hash serves: keyed by a secret drawn at every start (SipHash),
        and a hundred times cheaper than an HMAC on the event loop.
        """
        if not context_id:
            return 0
        return 1 + hash(context_id) % 65535

    def resident(self, person_key: str) -> str:
        """Return 'resident_a'… for a person; 'someone' past the alphabet."""
        ref = self.ref("person:" + person_key)
        role = self._residents.get(ref)
        if role is not None:
            return role
        with self._assign:
            if (role := self._residents.get(ref)) is None:
                if len(self._residents) >= MAX_RESIDENTS:
                    return SUBJECT_SOMEONE
                role = f"resident_{chr(ord('a') + len(self._residents))}"
                self._residents[ref] = role
                self.changed = True
        return role

    def area(self, area_key: str | None, area_name: str | None) -> str:
        """Return the room token of an area: 'kitchen', 'bedroom_2', or 'unknown'."""
        if not area_key:
            return AREA_UNKNOWN
        ref = self.ref("area:" + area_key)
        token = self._areas.get(ref)
        if token is not None:
            return token
        with self._assign:
            if (token := self._areas.get(ref)) is None:
                room = room_type(area_name).value
                taken = sum(
                    1 for t in self._areas.values() if t == room or t.startswith(room + "_")
                )
                if taken >= MAX_AREAS_PER_TYPE:
                    token = AREA_UNKNOWN
                else:
                    token = room if taken == 0 else f"{room}_{taken + 1}"
                self._areas[ref] = token
                self.changed = True
        return token

    def take_changes(self) -> dict[str, Any] | None:
        """Return the token tables if a token was handed out since the last call, else None.

        One step under the lock: a token handed out meanwhile (in another
        thread) is either in this copy or marks the tables changed again.
        """
        with self._assign:
            if not self.changed:
                return None
            self.changed = False
            return self._tables()

    def state(self) -> dict[str, Any]:
        """Return the token tables to persist (hashed keys only)."""
        with self._assign:
            return self._tables()

    def _tables(self) -> dict[str, Any]:
        # Copies, taken under the lock by the callers.
        return {"residents": dict(self._residents), "areas": dict(self._areas)}
