"""The add-on's settings: Supervisor options (/data/options.json), or env and CLI on a Mac/PC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import secrets
from typing import Any, Final

DEFAULT_PORT: Final = 8199
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Hard caps, whatever the options say: always-on and triggered frame sizes.
ALWAYS_ON_CAP: Final = (160, 120)
TRIGGERED_CAP: Final = (320, 240)
_SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")
_CAMERA = re.compile(r"^camera\.[a-z0-9_]+$")


class ConfigError(ValueError):
    """The options do not make a valid configuration."""


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """One watched camera and the name of its area (reduced to a room type later)."""

    entity: str
    area: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to run."""

    token: str
    data_dir: Path
    host: str = "0.0.0.0"  # all interfaces of the container
    port: int = DEFAULT_PORT
    cameras: tuple[CameraConfig, ...] = ()
    always_on_size: tuple[int, int] = ALWAYS_ON_CAP
    triggered_size: tuple[int, int] = TRIGGERED_CAP
    interval_seconds: float = 2.0
    triggered_seconds: int = 30
    perception_model: str = ""
    llm_model: str = ""
    finetune_model: str = ""
    finetune_weekday: str = "sun"
    finetune_hour: int = 3
    finetune_iterations: int = 200
    log_level: str = "info"
    # Home Assistant API: the Supervisor proxy, or a URL + long-lived token.
    ha_url: str = ""
    ha_token: str = ""
    supervisor_token: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def under_supervisor(self) -> bool:
        """Return True when running as a Home Assistant add-on."""
        return bool(self.supervisor_token)


def parse_size(text: str, cap: tuple[int, int]) -> tuple[int, int]:
    """Parse 'WxH' and clamp it to the cap (the cap always wins)."""
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise ConfigError(f"frame size {text!r} is not WIDTHxHEIGHT")
    width, height = int(match[1]), int(match[2])
    return min(width, cap[0]), min(height, cap[1])


def _cameras(raw: object) -> tuple[CameraConfig, ...]:
    if not isinstance(raw, list):
        raise ConfigError("cameras must be a list")
    cameras: list[CameraConfig] = []
    for raw_item in raw:
        item = {"entity": raw_item} if isinstance(raw_item, str) else raw_item
        if not isinstance(item, Mapping) or not _CAMERA.fullmatch(str(item.get("entity", ""))):
            raise ConfigError(f"camera {raw_item!r} needs entity: camera.<id>")
        cameras.append(CameraConfig(str(item["entity"]), str(item.get("area") or "")))
    return tuple(cameras)


def load_token(data_dir: Path, configured: str) -> str:
    """Return the configured token, or one generated once and kept in the data folder."""
    if configured:
        if len(configured) < 16:
            raise ConfigError("the API token must be at least 16 characters")
        return configured
    path = data_dir / "api_token"
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if len(token) >= 16:
        return token
    token = secrets.token_urlsafe(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    return token


def settings_from_options(
    options: Mapping[str, Any], data_dir: Path, env: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from the add-on options; env supplies tokens and local overrides."""
    env = os.environ if env is None else env
    weekday = str(options.get("finetune_weekday", "sun"))
    if weekday not in WEEKDAYS:
        raise ConfigError(f"finetune_weekday {weekday!r} is not one of {WEEKDAYS}")
    hour = int(options.get("finetune_hour", 3))
    if not 0 <= hour <= 23:
        raise ConfigError("finetune_hour must be within 0..23")
    interval = float(options.get("interval_seconds", 2.0))
    if not 0.2 <= interval <= 60:
        raise ConfigError("interval_seconds must be within 0.2..60")
    port = int(env.get("AISTHOS_ADDON_PORT") or options.get("port") or DEFAULT_PORT)
    if not 1 <= port <= 65535:
        raise ConfigError("port must be within 1..65535")
    token = load_token(data_dir, str(options.get("token") or env.get("AISTHOS_ADDON_TOKEN") or ""))
    return Settings(
        token=token,
        data_dir=data_dir,
        host=str(env.get("AISTHOS_ADDON_HOST") or options.get("host") or "0.0.0.0"),
        port=port,
        cameras=_cameras(options.get("cameras", [])),
        always_on_size=parse_size(str(options.get("always_on_size", "160x120")), ALWAYS_ON_CAP),
        triggered_size=parse_size(str(options.get("triggered_size", "320x240")), TRIGGERED_CAP),
        interval_seconds=interval,
        triggered_seconds=int(options.get("triggered_seconds", 30)),
        perception_model=str(options.get("perception_model") or ""),
        llm_model=str(options.get("llm_model") or ""),
        finetune_model=str(options.get("finetune_model") or ""),
        finetune_weekday=weekday,
        finetune_hour=hour,
        finetune_iterations=int(options.get("finetune_iterations", 200)),
        log_level=str(options.get("log_level", "info")),
        ha_url=str(env.get("AISTHOS_HA_URL") or options.get("ha_url") or "").rstrip("/"),
        ha_token=str(env.get("AISTHOS_HA_TOKEN") or options.get("ha_token") or ""),
        supervisor_token=str(env.get("SUPERVISOR_TOKEN") or ""),
    )


def load_settings(options_file: Path | None, data_dir: Path) -> Settings:
    """Read the options JSON (Supervisor writes /data/options.json) and build Settings."""
    options: dict[str, Any] = {}
    if options_file is not None and options_file.is_file():
        loaded = json.loads(options_file.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ConfigError(f"{options_file} must hold a JSON object")
        options = loaded
    return settings_from_options(options, data_dir)
