"""A corpus of state changes that carry personal data, for the no-PII tests.

Every case puts names, e-mail addresses, phone numbers or coordinates where
a careless pipeline would copy them: entity ids, friendly names, area names,
zone names and states. None of these strings may reach a stored Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
import itertools

NAMES = ["Alice Johnson", "Bob Smith", "Chloé Dubois", "Dmitri Ivanov", "Eve O'Neil", "Fatima Zahra", "Gustav Öberg", "Hana Kobayashi", "Ian McKellen", "Juana García"]  # fmt: skip
EMAILS = ["alice.johnson@example.com", "bob+home@mail.example.org", "c.dubois@exemple.fr"]
PHONES = ["+1 555 123 4567", "(030) 1234-5678", "+44 20 7946 0958"]
COORDS = ["52.520008,13.404954", "40.712776, -74.005974", "-33.8688 151.2093"]


@dataclass(frozen=True)
class PiiCase:
    """One state change with the PII it carries."""

    entity_id: str
    friendly_name: str
    area_name: str
    old: str
    new: str
    device_class: str | None
    secrets: tuple[str, ...]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.casefold().replace("'", "")).strip("_")


def cases() -> list[PiiCase]:
    """Return at least 100 PII-bearing cases."""
    out: list[PiiCase] = []
    for name in NAMES:
        first, last = name.split(" ", 1)
        slug = _slug(name)
        out += [
            PiiCase(f"person.{slug}", name, f"{first}'s room", "not_home", "home", None, (name, first, last)),
            PiiCase(f"person.{slug}", name, "", "home", f"{first}'s office", None, (name, first)),
            PiiCase(f"device_tracker.{slug}_phone", f"{name}'s iPhone", "", "not_home", "home", None, (name, first)),
            PiiCase(f"light.{slug}_lamp", f"{first}'s lamp", f"{first}'s bedroom", "off", "on", None, (name, first, last)),
            PiiCase(f"binary_sensor.{slug}_door", f"{last} family door", f"{last} hallway", "off", "on", "door", (last,)),
            PiiCase(f"switch.{slug}_kettle", f"{first} kettle", "Kitchen", "off", "on", None, (first,)),
            PiiCase(f"media_player.{slug}_tv", f"{first}'s TV", f"{first}'s den", "off", "playing", None, (first,)),
        ]  # fmt: skip
    for (email, phone), coord in itertools.product(zip(EMAILS, PHONES, strict=True), COORDS):
        out += [
            PiiCase("sensor.mail_last_sender", "Last mail", "Office", "x", email, None, (email,)),
            PiiCase("sensor.caller", "Caller", "Hall", "idle", phone, None, (phone,)),
            PiiCase("sensor.location", "Position", "Garden", "0,0", coord, None, (coord,)),
            PiiCase("device_tracker.gps", "GPS", "", "not_home", coord, None, (coord,)),
            PiiCase("sensor.temperature_of_" + _slug(email), email, phone, "20", "25", "temperature", (email, phone)),
        ]  # fmt: skip
    return out


def needles(case: PiiCase) -> set[str]:
    """Strings (and their fragments) that must not appear anywhere stored."""
    found = set()
    for secret in (*case.secrets, case.friendly_name):
        for piece in [secret, *secret.replace(",", " ").replace("'", " ").split()]:
            if len(piece) >= 4 and not piece.replace(".", "").replace("-", "").isdigit():
                found.add(piece.casefold())
    for number in (s for s in case.secrets if any(ch.isdigit() for ch in s)):
        digits = "".join(ch for ch in number if ch.isdigit())
        found.add(number.casefold())
        if len(digits) >= 6:
            found.add(digits)
    # Ontology words that happen to be in a name are fine ("Kitchen", "Office").
    allowed = {"kitchen", "office", "hallway", "garden", "home", "room", "lamp", "door", "family", "bedroom", "last", "mail", "caller", "position", "iphone", "kettle", "playing", "temperature"}  # fmt: skip
    return {n for n in found if n not in allowed}
