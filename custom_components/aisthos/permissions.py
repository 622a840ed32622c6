"""Who may do what through AisthOS: exactly what Home Assistant lets them do.

Every way in (services, Assist sentences, switches, buttons, LLM tools)
carries the caller's Context. A context without a user is Home Assistant
itself (an automation, a script), as everywhere in HA. Otherwise:
- reading what was learned is for everyone;
- reacting (style corrections, declining an offer) is for anyone who may
  control something in this home: a read-only user only reads;
- running a skill's actions needs control of each entity they touch, the
  check HA makes for a service call, made before the first action so a
  skill never half-runs;
- creating, approving or removing automations, teaching, learning now and
  imports are for administrators, as HA's automation editor is; by voice,
  for a speaker known to be one (a satellite's voice has no user).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser


async def async_caller(hass: HomeAssistant, context: Context | None) -> User | None:
    """Return the user behind a context; None when Home Assistant itself acts."""
    if context is None or context.user_id is None:
        return None
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise UnknownUser(context=context)
    return user


async def async_require_admin(
    hass: HomeAssistant, context: Context | None, *, spoken: bool = False
) -> None:
    """Refuse anyone but an administrator (or HA itself).

    spoken: the request came from Assist, where a context without a user is
    whoever stands by a voice satellite or calls the phone line, not HA.
    """
    user = await async_caller(hass, context)
    if (user is None and spoken) or (user is not None and not user.is_admin):
        raise Unauthorized(context=context, permission=POLICY_CONTROL)


async def async_require_control(
    hass: HomeAssistant, context: Context | None, entity_ids: Iterable[str]
) -> None:
    """Refuse unless the caller may control every one of these entities."""
    user = await async_caller(hass, context)
    if user is None or user.is_admin:
        return
    for entity_id in entity_ids:
        if not user.permissions.check_entity(entity_id, POLICY_CONTROL):
            raise Unauthorized(context=context, entity_id=entity_id, permission=POLICY_CONTROL)


async def async_require_reaction(hass: HomeAssistant, context: Context | None) -> None:
    """Refuse a caller who may control nothing here (a read-only user)."""
    user = await async_caller(hass, context)
    if user is None or user.is_admin:
        return
    permissions = user.permissions
    if permissions.access_all_entities(POLICY_CONTROL):
        return
    if not any(
        permissions.check_entity(entity_id, POLICY_CONTROL)
        for entity_id in hass.states.async_entity_ids()
    ):
        raise Unauthorized(context=context, permission=POLICY_CONTROL)


def action_targets(config: dict[str, Any]) -> list[str]:
    """Return every entity an automation config's actions target."""
    targets: list[str] = []
    for step in config.get("actions", []):
        entity_ids = step.get("target", {}).get("entity_id", [])
        targets.extend([entity_ids] if isinstance(entity_ids, str) else entity_ids)
    return targets
