"""User Wisdom in Home Assistant: export, import (merge or replace), remapping.

Export writes a dated file under <config>/aisthos/. Import validates first
and changes nothing unless everything is right; a replaced profile is kept
as a backup file before anything changes, and the new state is saved in one
atomic write. Skills whose entities this home does not have stay dormant and
a Repairs issue lets the household map or drop them.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
import os
from pathlib import Path
import stat
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.file import write_utf8_file_atomic

from .const import DOMAIN
from .engine.perception import option_key, select_options
from .engine.skill_book import SkillBook
from .engine.wisdom import (
    MAX_BYTES,
    EntityDescription,
    Remapped,
    Wisdom,
    WisdomError,
    dumps,
    from_document,
    load_document,
    remap,
    to_document,
)
from .plain_text import plain

if TYPE_CHECKING:
    from .runtime import AisthosRuntime

_LOGGER = logging.getLogger(__package__)
WISDOM_FOLDER: Final = "aisthos"
ISSUE_UNMATCHED: Final = "unmatched_entities"


class PathNotAllowedError(WisdomError):
    """A wisdom file was asked for outside the folders it may be read from."""


def read_regular_file(path: Path, follow_links: bool = True) -> bytes:
    """Read a regular file of at most MAX_BYTES (blocking: call in an executor).

    Non-blocking: opening a FIFO would otherwise wait for a writer forever.
    What was opened is checked, not the path, so nothing can be swapped in
    between.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise WisdomError(f"{path.name} is not a regular file")
        too_large = WisdomError(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        if info.st_size > MAX_BYTES:
            raise too_large
        with os.fdopen(fd, "rb", closefd=False) as file:
            # It may have grown since fstat: never read past the limit.
            data = file.read(MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise too_large
    return data


def wisdom_folder(hass: HomeAssistant) -> Path:
    """Return the folder for wisdom files."""
    return Path(hass.config.path(WISDOM_FOLDER))


def describe_entities(hass: HomeAssistant) -> list[EntityDescription]:
    """Describe every entity of this home by domain, class, area and name."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    areas = ar.async_get(hass)
    out: dict[str, EntityDescription] = {}
    for state in hass.states.async_all():
        device_class = state.attributes.get("device_class")
        out[state.entity_id] = EntityDescription(
            state.entity_id,
            state.domain,
            device_class if isinstance(device_class, str) else None,
            None,
            state.name,
        )
    for entry in entities.entities.values():
        area_id = entry.area_id
        if area_id is None and entry.device_id and (device := devices.async_get(entry.device_id)):
            area_id = device.area_id
        area = areas.async_get_area(area_id) if area_id else None
        known = out.get(entry.entity_id)
        out[entry.entity_id] = EntityDescription(
            entry.entity_id,
            entry.domain,
            entry.device_class
            or entry.original_device_class
            or (known.device_class if known else None),
            area.name if area else None,
            entry.name or entry.original_name or (known.name if known else None),
        )
    # Each option of a select is a thing skills refer to ("House mode: Night").
    for state in hass.states.async_all("input_select"):
        select = out.get(state.entity_id)
        for option in select_options(state.attributes.get("options")):
            key = option_key(state.entity_id, option)
            out[key] = EntityDescription(
                key,
                "input_select",
                None,
                select.area if select else None,
                f"{select.name if select and select.name else state.entity_id}: {option}",
            )
    return list(out.values())


@dataclass(slots=True)
class ImportResult:
    """What an import did."""

    skills: int
    dormant: int
    matched: int
    unmatched: int
    backup: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return service response data."""
        return {
            "skills": self.skills,
            "dormant": self.dormant,
            "matched_entities": self.matched,
            "unmatched_entities": self.unmatched,
            "backup": self.backup,
        }


class WisdomService:
    """Export and import of the runtime's learning."""

    def __init__(self, hass: HomeAssistant, runtime: AisthosRuntime) -> None:
        """Create for one loaded entry."""
        self.hass = hass
        self.runtime = runtime

    async def async_current(self) -> Wisdom:
        """Return everything learned, as Wisdom."""
        learner = self.runtime.learner
        entity_map = learner.entity_map()
        descriptions = {d.entity_id: d for d in describe_entities(self.hass)}
        entities: dict[str, EntityDescription] = dict(learner.dormant_entities)
        for ref, entity_id in entity_map.items():
            desc = descriptions.get(entity_id)
            if desc is not None:
                entities[ref] = desc
        tz = dt_util.get_default_time_zone()
        offset = dt_util.now().utcoffset()
        summary = await self.hass.async_add_executor_job(
            self.runtime.store.summary, int(offset.total_seconds()) if offset else 0
        )
        wisdom = Wisdom(
            growth=learner.growth,
            book=learner.book,
            entities=entities,
            dormant=list(learner.dormant),
            teachings=list(learner.teachings),
            preferences=dict(learner.preferences),
            communication_style=self.runtime.communication_style(),
            # The companion's exchanges only as counts: what was said stays home.
            observations={**summary, "companion": self.runtime.interactions.counts()},
            time_zone=str(tz),
            created=dt_util.now().isoformat(timespec="seconds"),
        )
        # Only what the skills use leaves the home.
        used = wisdom.refs()
        wisdom.entities = {r: d for r, d in entities.items() if r in used}
        return wisdom

    async def async_export(self, name: str | None = None) -> tuple[Path, dict[str, Any]]:
        """Write the current wisdom to a dated file; return its path and the document."""
        # Built here, from the live skill book; checked and written in a worker.
        document = to_document(await self.async_current())
        folder = wisdom_folder(self.hass)
        path = folder / (name or f"wisdom-{dt_util.now().strftime('%Y-%m-%d')}.json")

        def write() -> None:
            load_document(document)  # what we write must be what we accept
            folder.mkdir(parents=True, exist_ok=True)
            write_utf8_file_atomic(str(path), dumps(document))

        await self.hass.async_add_executor_job(write)
        return path, document

    async def async_read_file(self, path_text: str) -> str:
        """Read a wisdom file from the wisdom folder or a folder HA allows.

        A relative path is taken from the config folder. Our own exports in
        <config>/aisthos/ are always allowed; any other file must be in a
        folder of allowlist_external_dirs (PathNotAllowedError otherwise).
        """
        config_dir = self.hass.config.config_dir
        folder = wisdom_folder(self.hass)
        is_allowed = self.hass.config.is_allowed_path

        def read() -> str:
            try:
                path = (Path(config_dir) / path_text).resolve()
            except (OSError, ValueError):  # a loop of links, a NUL byte
                raise PathNotAllowedError(path_text) from None
            if folder.resolve() not in path.parents and not is_allowed(str(path)):
                raise PathNotAllowedError(path_text)
            return read_regular_file(path).decode("utf-8")

        try:
            return await self.hass.async_add_executor_job(read)
        except FileNotFoundError:
            raise WisdomError(f"there is no file {Path(path_text).name}") from None
        except UnicodeDecodeError:
            raise WisdomError("the file is not UTF-8 text") from None
        except OSError as err:
            raise WisdomError(f"the file cannot be read: {err.strerror}") from None

    async def async_import(self, raw: str | dict[str, Any], mode: str) -> ImportResult:
        """Validate, remap and apply a document; on any error nothing changes."""
        learner = self.runtime.learner
        local = describe_entities(self.hass)
        refs = {desc.entity_id: learner.ref_of(desc.entity_id) for desc in local}

        def read() -> Remapped:
            # Parsing, checking and matching up to 5 MB: not on the event loop.
            return remap(from_document(load_document(raw)), local, refs.__getitem__)

        remapped = await self.hass.async_add_executor_job(read)
        backup: str | None = None
        if mode == "replace":
            stamp = dt_util.now().strftime("%Y%m%d-%H%M%S")
            path, _ = await self.async_export(name=f"wisdom-backup-{stamp}.json")
            backup = str(path)
        before = learner.snapshot()
        try:
            learner.apply_wisdom(remapped.wisdom, remapped.unmatched, replace=mode == "replace")
            # What is kept must still fit in a wisdom file, or it could never be
            # exported (nor backed up) again: a merge that outgrows one is refused.
            document = to_document(await self.async_current())
            try:
                await self.hass.async_add_executor_job(load_document, document)
            except WisdomError as err:
                raise WisdomError(
                    f"together with what this home learned it would not fit in one file: {err}"
                ) from err
            await learner.async_save()
        except Exception:
            learner.restore(before)
            raise
        # The imported style first: what the skills announce next speaks in it.
        self.runtime.voice.reload_preferences()
        await self.runtime.skills.async_after_import()
        self.async_update_unmatched_issue()
        return ImportResult(
            skills=len(learner.book.skills),
            dormant=len(learner.dormant),
            matched=len(remapped.matched),
            unmatched=len(remapped.unmatched),
            backup=backup,
        )

    async def async_resolve_dormant(self, manual: dict[str, str]) -> int:
        """Map dormant skills' entities by hand; drop what stays unmapped. Return skills woken."""
        learner = self.runtime.learner
        wisdom = Wisdom(
            growth=learner.growth,
            book=SkillBook(),
            entities=dict(learner.dormant_entities),
            dormant=list(learner.dormant),
        )
        # Entities already known here keep their own refs.
        entity_map = learner.entity_map()
        for ref in wisdom.entities:
            if ref in entity_map:
                manual.setdefault(ref, entity_map[ref])
        remapped = remap(wisdom, describe_entities(self.hass), learner.ref_of, manual)
        woken = remapped.wisdom.book
        for skill_id, skill in woken.skills.items():
            learner.book.skills[skill_id] = skill
            if skill_id in woken.decisions:
                learner.book.decisions[skill_id] = woken.decisions[skill_id]
        learner.dormant = []
        learner.dormant_entities = {}
        await learner.async_save()
        await self.runtime.skills.async_after_import()
        self.async_update_unmatched_issue()
        return len(woken.skills)

    def async_update_unmatched_issue(self) -> None:
        """Raise (or clear) the Repairs issue about dormant skills."""
        learner = self.runtime.learner
        if not learner.dormant:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_UNMATCHED)
            return
        # The names come from an imported file: shown as plain text only.
        names = ", ".join(
            plain(d.name or d.entity_id, 60) for d in learner.dormant_entities.values()
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_UNMATCHED,
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_UNMATCHED,
            translation_placeholders={
                "skills": str(len(learner.dormant)),
                "entities": names[:300],
            },
        )
