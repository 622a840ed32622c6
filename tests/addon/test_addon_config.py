"""addon/config.yaml, build.yaml and translations checked against the add-on rules.

The rules are those of the add-on linter (frenck/action-addon-linter:
src/config.schema.json, src/build.schema.json and src/lint.py, which also
errors on keys that merely restate a default) and of the Supervisor
(supervisor/addons/validate.py: slug, ports, map, build_from, translations;
supervisor/addons/options.py: RE_SCHEMA_ELEMENT for option types), written
here as our own JSON schema plus a few checks.
"""

from __future__ import annotations

import copy
from pathlib import Path
import re
from typing import Any

from jsonschema import Draft7Validator
import pytest
import yaml

ADDON = Path(__file__).resolve().parents[2] / "addon"

ARCHES = ["aarch64", "amd64", "armhf", "armv7", "i386"]
# Keys whose value equals the linter's default must be left out.
DEFAULTS: dict[str, Any] = {
    "advanced": False, "apparmor": True, "audio": False, "auth_api": False,
    "backup": "hot", "boot": "auto", "devicetree": False, "docker_api": False,
    "full_access": False, "gpio": False, "hassio_api": False, "hassio_role": "default",
    "homeassistant_api": False, "host_dbus": False, "host_ipc": False,
    "host_network": False, "host_pid": False, "host_uts": False, "ingress": False,
    "ingress_port": 8099, "ingress_stream": False, "init": True, "journald": False,
    "kernel_modules": False, "legacy": False, "panel_admin": True,
    "panel_icon": "mdi:puzzle", "realtime": False, "stage": "stable",
    "startup": "application", "stdin": False, "timeout": 10, "tmpfs": False,
    "uart": False, "udev": False, "usb": False, "video": False,
    "options": {}, "schema": {}, "ulimits": {},
}  # fmt: skip
_BOOL = {"type": "boolean"}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["arch", "description", "name", "slug", "version"],
    "additionalProperties": False,
    "properties": {
        **{key: _BOOL for key, value in DEFAULTS.items() if isinstance(value, bool)},
        "apparmor": {"type": ["string", "boolean"]},
        "tmpfs": {"type": ["string", "boolean"]},
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string", "pattern": r"^[0-9A-Za-z][0-9A-Za-z.+-]*$"},
        "slug": {"type": "string", "pattern": r"^[-_.A-Za-z0-9]+$"},
        "description": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": r"^https?://\S+$"},
        "arch": {"type": "array", "minItems": 1, "items": {"enum": ARCHES}},
        "machine": {"type": "array", "items": {"type": "string"}},
        "image": {"type": "string"},
        "startup": {"enum": ["application", "initialize", "once", "services", "system"]},
        "boot": {"enum": ["auto", "manual", "manual_only"]},
        "backup": {"enum": ["hot", "cold"]},
        "backup_exclude": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "backup_pre": {"type": "string"},
        "backup_post": {"type": "string"},
        "hassio_role": {"enum": ["admin", "backup", "default", "homeassistant", "manager"]},
        "discovery": {"type": "array", "items": {"type": "string"}},
        "services": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^(mqtt|mysql):(provide|want|need)$"},
        },
        "ports": {
            "type": "object",
            "propertyNames": {"pattern": r"^\d+(/tcp|/udp)?$"},
            "additionalProperties": {
                "anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "null"}]
            },
        },
        "ports_description": {
            "type": "object",
            "propertyNames": {"pattern": r"^\d+(/tcp|/udp)?$"},
            "additionalProperties": {"type": "string"},
        },
        "map": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": r"^(addon_config|all_addon_configs|config|homeassistant_config"
                r"|ssl|addons|backup|share|media)(:(rw|ro))?$",
            },
        },
        "environment": {"type": "object", "additionalProperties": {"type": "string"}},
        "options": {"type": "object"},
        "schema": {"type": "object"},
        "ingress_port": {"type": "integer", "minimum": 0, "maximum": 65535},
        "ingress_entry": {"type": "string"},
        "panel_icon": {"type": "string"},
        "panel_title": {"type": "string"},
        "webui": {"type": "string"},
        "watchdog": {"type": "string"},
        "timeout": {"type": "integer"},
        "stage": {"enum": ["deprecated", "experimental", "stable"]},
        "homeassistant": {"type": "string"},
        "ulimits": {"type": "object"},
        "devices": {"type": "array", "items": {"type": "string", "pattern": r"^[^:]+$"}},
        "privileged": {"type": "array", "items": {"type": "string"}},
    },
}
_IMAGE = r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$"
BUILD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "build_from": {
            "type": "object",
            "additionalProperties": False,
            "properties": {arch: {"type": "string", "pattern": _IMAGE} for arch in ARCHES},
        },
        "args": {"type": "object", "additionalProperties": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "squash": {"type": "boolean"},
    },
}
# supervisor/addons/options.py
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool|email|url|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)


def config_errors(config: Any) -> list[str]:
    """Return every rule config.yaml breaks (empty when valid)."""
    errors = [e.message for e in Draft7Validator(CONFIG_SCHEMA).iter_errors(config)]
    if not isinstance(config, dict):
        return errors or ["not a mapping"]
    errors += [
        f"'{key}' should be removed, it uses a default value"
        for key, default in DEFAULTS.items()
        if key in config and config[key] == default
    ]
    if config.get("watchdog"):
        errors.append("'watchdog' is obsolete")
    if config.get("backup") == "cold" and ({"backup_pre", "backup_post"} & set(config)):
        errors.append("backup_pre/backup_post are not valid with cold backups")
    if config.get("ingress") and config.get("webui"):
        errors.append("'webui' should be removed, Ingress is enabled")
    errors += option_errors(config.get("options") or {}, config.get("schema") or {})
    return errors


def _leaf_errors(path: str, value: Any, element: Any) -> list[str]:
    if not isinstance(element, str):
        return [f"{path}: schema element must be a string, not {element!r}"]
    match = RE_SCHEMA_ELEMENT.fullmatch(element)
    if not match:
        return [f"{path}: unknown schema element {element!r}"]
    if value is None:
        return []
    kind = element.rstrip("?")
    if kind == "bool" and not isinstance(value, bool):
        return [f"{path}: {value!r} is not a bool"]
    if kind.startswith("int"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: {value!r} is not an int"]
        low, high = match["i_min"], match["i_max"]
        if (low and value < int(low)) or (high and value > int(high)):
            return [f"{path}: {value} out of range"]
    if kind.startswith("float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return [f"{path}: {value!r} is not a float"]
        low, high = match["f_min"], match["f_max"]
        if (low and value < float(low)) or (high and value > float(high)):
            return [f"{path}: {value} out of range"]
    if kind.startswith("list(") and str(value) not in match["list"].split("|"):
        return [f"{path}: {value!r} is not one of {match['list']}"]
    if kind.startswith("match(") and not re.fullmatch(match["match"], str(value)):
        return [f"{path}: {value!r} does not match"]
    if kind.startswith(("str", "password")) and not isinstance(value, str):
        return [f"{path}: {value!r} is not a string"]
    return []


def option_errors(
    options: dict[str, Any], schema: dict[str, Any], path: str = "", *, defaults: bool = True
) -> list[str]:
    """Check the schema's elements and that the default options fit the schema."""
    errors = [f"{path}{key}: option has no schema" for key in options if key not in schema]
    for key, element in schema.items():
        here = f"{path}{key}"
        value = options.get(key)
        if isinstance(element, list):
            if len(element) != 1:
                errors.append(f"{here}: a list schema has exactly one element")
                continue
            for index, item in enumerate(value or []):
                errors += _item_errors(f"{here}[{index}]", item, element[0])
            if isinstance(element[0], dict):
                errors += option_errors({}, element[0], f"{here}[].", defaults=False)
            else:
                errors += _leaf_errors(f"{here}[]", None, element[0])
        elif isinstance(element, dict):
            errors += option_errors(value or {}, element, f"{here}.")
        else:
            required = defaults and not str(element).endswith("?")
            if required and key not in options:
                errors.append(f"{here}: required option has no default")
            errors += _leaf_errors(here, value, element)
    return errors


def _item_errors(path: str, item: Any, element: Any) -> list[str]:
    if isinstance(element, dict):
        if not isinstance(item, dict):
            return [f"{path}: not a mapping"]
        return option_errors(item, element, f"{path}.")
    return _leaf_errors(path, item, element)


def build_errors(build: Any, config: dict[str, Any]) -> list[str]:
    """Return every rule build.yaml breaks."""
    errors = [e.message for e in Draft7Validator(BUILD_SCHEMA).iter_errors(build)]
    build_from = build.get("build_from") if isinstance(build, dict) else None
    if isinstance(build_from, dict) and set(build_from) != set(config.get("arch", [])):
        errors.append("architectures in config and build do not match")
    return errors


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load((ADDON / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    return yaml.safe_load((ADDON / "build.yaml").read_text(encoding="utf-8"))


def test_config_is_valid(config: dict[str, Any]) -> None:
    assert config_errors(config) == []


def test_config_has_the_required_settings(config: dict[str, Any]) -> None:
    assert config["slug"] == "aisthos"
    assert config["init"] is False
    assert config["startup"] == "services"
    assert config["hassio_api"] is True
    assert config["homeassistant_api"] is True
    assert config["discovery"] == ["aisthos"]
    # Declared, but not published on the host unless the user sets a port:
    # the integration reaches the add-on over the Supervisor's network.
    assert config["ports"] == {"8199/tcp": None}
    assert set(config["ports_description"]) == set(config["ports"])
    # Left out because they are the defaults (the linter errors on them): same effect.
    assert config.get("boot", DEFAULTS["boot"]) == "auto"
    assert config.get("backup", DEFAULTS["backup"]) == "hot"
    assert any("models" in pattern for pattern in config["backup_exclude"])
    assert {"cameras", "always_on_size", "triggered_size", "llm_model"} <= set(config["schema"])


def test_build_is_valid(build: dict[str, Any], config: dict[str, Any]) -> None:
    assert build_errors(build, config) == []
    for arch, image in build["build_from"].items():
        assert image.startswith(f"ghcr.io/home-assistant/{arch}-base")


def test_translations_cover_every_option(config: dict[str, Any]) -> None:
    translations = yaml.safe_load((ADDON / "translations" / "en.yaml").read_text("utf-8"))
    assert set(translations) <= {"configuration", "network"}
    assert set(translations["configuration"]) == set(config["schema"])
    for entry in translations["configuration"].values():
        assert isinstance(entry["name"], str)
        assert entry["name"]
        assert isinstance(entry.get("description", ""), str)
    assert set(translations["network"]) == set(config["ports"])


def test_addon_files_exist() -> None:
    for name in ("Dockerfile", "DOCS.md", "CHANGELOG.md", "run.sh", "requirements.txt"):
        assert (ADDON / name).is_file(), name
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG BUILD_FROM" in dockerfile
    assert "FROM ${BUILD_FROM}" in dockerfile
    # The Supervisor's build context is the add-on folder: the engine copy is in it.
    assert "COPY aisthos_engine /opt/aisthos/aisthos_engine" in dockerfile
    assert (ADDON / "aisthos_engine" / "template.py").is_file()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"slug": "ais thos"}, "does not match"),
        ({"arch": ["amd64", "sparc"]}, "is not one of"),
        ({"startup": "later"}, "is not one of"),
        ({"boot": "auto"}, "uses a default value"),
        ({"backup": "hot"}, "uses a default value"),
        ({"init": True}, "uses a default value"),
        ({"ports": {"http": 8199}}, "does not match"),
        ({"ports": {"8199/tcp": 70000}}, "is not valid under any"),
        ({"map": ["secrets:rw"]}, "does not match"),
        ({"discovery": "aisthos"}, "is not of type 'array'"),
        ({"unknown_key": 1}, "Additional properties"),
        ({"watchdog": "http://[HOST]:[PORT:8199]/"}, "obsolete"),
        ({"schema": {"log_level": "string"}}, "unknown schema element"),
        ({"options": {"finetune_hour": 30}}, "out of range"),
        ({"options": {"log_level": "loud"}}, "is not one of"),
        ({"options": {"cameras": [{"entity": "light.kitchen"}]}}, "does not match"),
        ({"options": {"surprise": 1}}, "option has no schema"),
    ],
)
def test_config_rules_catch_mistakes(
    config: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    broken = copy.deepcopy(config)
    for key, value in change.items():
        if key == "options":
            broken["options"].update(value)
        else:
            broken[key] = value
    errors = config_errors(broken)
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize("missing", ["name", "version", "slug", "description", "arch"])
def test_config_required_keys(config: dict[str, Any], missing: str) -> None:
    broken = {key: value for key, value in config.items() if key != missing}
    assert any("required" in error for error in config_errors(broken))


@pytest.mark.parametrize(
    ("build_change", "expected"),
    [
        ({"build_from": {"amd64": "not an image!"}}, "does not match"),
        ({"build_from": {"sparc": "ghcr.io/x/y:1"}}, "Additional properties"),
        ({"build_from": {"amd64": "ghcr.io/home-assistant/amd64-base-debian:trixie"}}, "match"),
        ({"squash": "yes"}, "is not of type 'boolean'"),
        ({"args": {"LLAMA_CPP": 1}}, "is not of type 'string'"),
    ],
)
def test_build_rules_catch_mistakes(
    build: dict[str, Any], config: dict[str, Any], build_change: dict[str, Any], expected: str
) -> None:
    broken = {**copy.deepcopy(build), **build_change}
    errors = build_errors(broken, config)
    assert any(expected in error for error in errors), errors
