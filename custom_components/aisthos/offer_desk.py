"""The one routine offered now ("It's 17:55, shall I switch on the kettle?"), and its answer.

An Adult offers a routine five minutes before its usual time, as a
notification that lasts half an hour. This module keeps that offer: when it
was made and in which style, whether it was answered (yes, no, or dismissed:
each teaches the style bandit how much initiative the household likes), and
the run a "yes" made, so "undo that" finds it. Which routine to offer, and
when, is the skill manager's decision.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.components.persistent_notification import Notification, UpdateType
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DATA_OFFERED
from .engine.style_bandit import Style, StyleContext

OFFER_NOTIFICATION_ID: Final = "aisthos_offer"
# An offer can be taken up ("yes, do it") for half an hour.
OFFER_LIFETIME: Final = timedelta(minutes=30)
# "Undo that" after a "yes" is heard this long.
RUN_MEMORY: Final = timedelta(minutes=10)

type Reaction = Callable[[str, StyleContext, Style], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class Offer:
    """A routine offered just before its usual time, and how and when it was offered."""

    skill_id: str
    at: datetime
    context: StyleContext
    style: Style
    answered: bool = False


class OfferDesk:
    """Hold the open offer, its notification and its expiry."""

    def __init__(self, hass: HomeAssistant, background: Callable[..., None]) -> None:
        """Create; background(work, name) runs work tied to the entry."""
        self.hass = hass
        self._background = background
        # Told how the household reacted to an offer (approved, rejected,
        # dismissed), with the context and style it was offered in.
        self.on_reaction: Reaction | None = None
        self._offer: Offer | None = None
        self._expiry: CALLBACK_TYPE | None = None
        # The skill run once on an offer's "yes", and when.
        self._run: tuple[str, datetime] | None = None
        # (skill id, local date) of the offers made: kept across a reload of
        # the entry, so a reload in the offer's minute does not offer again.
        self._offered_today: set[tuple[str, str]] = hass.data.setdefault(DATA_OFFERED, set())

    def offered(self, skill_id: str, day: str) -> bool:
        """Return whether this skill was offered on this local day (older days forgotten)."""
        self._offered_today.difference_update([k for k in self._offered_today if k[1] != day])
        return (skill_id, day) in self._offered_today

    @callback
    def async_offer(
        self, skill_id: str, day: str, context: StyleContext, style: Style, message: str, title: str
    ) -> None:
        """Make the offer (closing any older one) and show it."""
        self._offered_today.add((skill_id, day))
        self.async_close()
        self._offer = Offer(skill_id, dt_util.utcnow(), context, style)
        self._expiry = async_call_later(self.hass, OFFER_LIFETIME, self._async_expired)
        persistent_notification.async_create(
            self.hass, message, title=title, notification_id=OFFER_NOTIFICATION_ID
        )

    def open(self, known: Callable[[str], bool]) -> Offer | None:
        """Return the offer of the last half hour, if its skill is still known."""
        offer = self._offer
        if offer is None or dt_util.utcnow() - offer.at > OFFER_LIFETIME:
            return None
        return offer if known(offer.skill_id) else None

    async def async_answer(self, offer: Offer, kind: str, withdraw: bool = False) -> None:
        """Learn from the first answer and take the notification down.

        `kind` is approved or rejected; `withdraw` ends the offer ("no, don't
        do that"), otherwise a repeated "yes, do it" still finds it.
        """
        if not offer.answered:
            offer.answered = True  # before the dismissal: ours is not the household's
            persistent_notification.async_dismiss(self.hass, OFFER_NOTIFICATION_ID)
            if self.on_reaction is not None:
                await self.on_reaction(kind, offer.context, offer.style)
        if withdraw:
            self.async_close()

    def ran(self, skill_id: str) -> None:
        """Remember that a "yes" ran the skill once (for "undo that")."""
        self._run = (skill_id, dt_util.utcnow())

    def recent_run(self, known: Callable[[str], bool]) -> str | None:
        """Return the skill run on an offer's "yes" in the last ten minutes, if any."""
        run = self._run
        if run is None or dt_util.utcnow() - run[1] > RUN_MEMORY:
            return None
        return run[0] if known(run[0]) else None

    def forget_run(self) -> None:
        """Forget the run (it was undone)."""
        self._run = None

    @callback
    def _async_expired(self, _now: datetime) -> None:
        """Half an hour without an answer: take the offer down (silence teaches nothing)."""
        self._expiry = None
        self.async_close()

    @callback
    def async_close(self) -> None:
        """End the offer; its notification goes too, without counting as a dismissal."""
        if self._expiry is not None:
            self._expiry()
            self._expiry = None
        offer, self._offer = self._offer, None
        if offer is not None and not offer.answered:
            offer.answered = True
            persistent_notification.async_dismiss(self.hass, OFFER_NOTIFICATION_ID)

    @callback
    def async_notifications_changed(
        self, update: UpdateType, notifications: dict[str, Notification]
    ) -> None:
        """Dismissing an offer before answering it is a "no thanks" to the initiative."""
        offer = self._offer
        if (
            update is not UpdateType.REMOVED
            or OFFER_NOTIFICATION_ID not in notifications
            or offer is None
            or offer.answered
            or dt_util.utcnow() - offer.at > OFFER_LIFETIME
        ):
            return
        offer.answered = True
        if self.on_reaction is not None:
            self._background(
                self.on_reaction("dismissed", offer.context, offer.style), "offer dismissed"
            )
