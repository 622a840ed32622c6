"""Check manifest.json and hacs.json against the published hassfest and HACS rules.

The rules are restated here as our own voluptuous schemas; they are not imported
from either project. Each block names the file it was taken from:

* hassfest: repository home-assistant/core, ``script/hassfest/manifest.py``
  (CUSTOM_INTEGRATION_MANIFEST_SCHEMA, validate_manifest, sort_manifest),
  ``script/hassfest/model.py`` (IntegrationType, ScaledQualityScaleTiers),
  ``script/hassfest/requirements.py`` (validate_requirements_format) and
  ``script/hassfest/dependencies.py``.
* HACS: repository hacs/integration, ``custom_components/hacs/utils/validate.py``
  (HACS_MANIFEST_JSON_SCHEMA, INTEGRATION_MANIFEST_JSON_SCHEMA),
  ``custom_components/hacs/validate/hacsjson.py``,
  ``custom_components/hacs/validate/integration_manifest.py`` and
  ``custom_components/hacs/repositories/integration.py``.

Every rule has a negative test: a broken copy of the real file must be rejected.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import json
from pathlib import Path
import re
from typing import Any, get_args, get_type_hints
from urllib.parse import urlparse

from awesomeversion import (
    AwesomeVersion,
    AwesomeVersionException,
    AwesomeVersionStrategy,
)
import pytest
import voluptuous as vol

import homeassistant.components
from homeassistant.loader import Manifest as HAManifest

REPO_ROOT = Path(__file__).resolve().parents[1]
CUSTOM_COMPONENTS = REPO_ROOT / "custom_components"
INTEGRATION_DIR = CUSTOM_COMPONENTS / "aisthos"
MANIFEST_PATH = INTEGRATION_DIR / "manifest.json"
HACS_JSON_PATH = REPO_ROOT / "hacs.json"

Manifest = dict[str, Any]

# ---------------------------------------------------------------------------
# hassfest rules (home-assistant/core)
# ---------------------------------------------------------------------------

# script/hassfest/manifest.py: SUPPORTED_IOT_CLASSES
IOT_CLASSES = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)

# script/hassfest/model.py: IntegrationType; manifest.py allows every type except
# "virtual" in the regular (non-virtual) schema.
INTEGRATION_TYPES = (
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
)

# script/hassfest/manifest.py: SUPPORTED_QUALITY_SCALES, built from
# ScaledQualityScaleTiers (model.py) and NonScaledQualityScaleTiers.
SCALED_QUALITY_TIERS = ("bronze", "silver", "gold", "platinum")
QUALITY_SCALES = (*SCALED_QUALITY_TIERS, "custom", "no_score", "internal", "legacy")

# script/hassfest/manifest.py: verify_version accepts these AwesomeVersion strategies.
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]

# script/hassfest/manifest.py: _CORE_DOCUMENTATION_BASE; a custom integration may
# not point its documentation there.
CORE_DOCS_BASE = "https://www.home-assistant.io/integrations"

# script/hassfest/requirements.py: PACKAGE_REGEX (name, optional operator, rest).
REQUIREMENT_RE = re.compile(r"^([-_,.\w\[\]]+)(===|==|>=|<=|~=|!=|<|>)*(.*)$")

# Developer docs (developers.home-assistant.io, "Integration manifest"): the
# domain is a short name of characters and underscores.
DOMAIN_RE = re.compile(r"^[a-z0-9_]+$")


def hassfest_version(value: Any) -> str:
    """A custom integration version must parse with one of VERSION_STRATEGIES."""
    if not isinstance(value, str) or not value:
        raise vol.Invalid("version must be a non-empty string")
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException as err:
        raise vol.Invalid(f"{value!r} is not a valid version") from err
    return value


def custom_documentation_url(value: str) -> str:
    """Documentation must be https and not the core integration docs."""
    if urlparse(value).scheme != "https":
        raise vol.Invalid("documentation URL must use https")
    if value.startswith(CORE_DOCS_BASE):
        raise vol.Invalid("documentation must point to the custom integration's docs")
    return value


def requirement_format(value: str) -> str:
    """hassfest requirement format: no spaces, must match the package pattern."""
    if re.search(r"\s", value):
        raise vol.Invalid(f"requirement {value!r} contains a space")
    if not REQUIREMENT_RE.match(value):
        raise vol.Invalid(f"requirement {value!r} does not match the package pattern")
    return value


def requirement_pinned(value: str) -> str:
    """Pin as "<pkg>==<version>".

    hassfest enforces the pin for core integrations only (requirements.py,
    validate_requirements_format); this project applies it to itself as well.
    """
    match = REQUIREMENT_RE.match(value)
    if not match or match.group(2) != "==" or not match.group(3):
        raise vol.Invalid(f'requirement {value!r} is not pinned as "<pkg>==<version>"')
    return value


# script/hassfest/manifest.py: INTEGRATION_MANIFEST_SCHEMA extended into
# CUSTOM_INTEGRATION_MANIFEST_SCHEMA. voluptuous rejects keys not listed.
# Deviations, both taken from validate_manifest() in the same file:
# * "version" is Optional in the schema, but validate_version() reports a
#   missing version as an error for custom integrations, so it is Required here.
# * "iot_class" is Required unless the domain is in NO_IOT_CLASS (core
#   platforms/helpers only), which "aisthos" is not.
# The discovery matchers (mqtt, zeroconf, ssdp, bluetooth, homekit, dhcp, usb)
# and preview_features are accepted with their outer type only; AisthOS uses none.
HASSFEST_CUSTOM_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): vol.All(str, vol.Match(DOMAIN_RE)),
        vol.Required("name"): vol.All(str, vol.Length(min=1)),
        vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Optional("config_flow"): bool,
        vol.Optional("mqtt"): [str],
        vol.Optional("zeroconf"): [vol.Any(str, dict)],
        vol.Optional("ssdp"): [dict],
        vol.Optional("bluetooth"): [dict],
        vol.Optional("homekit"): dict,
        vol.Optional("dhcp"): [dict],
        vol.Optional("usb"): [dict],
        vol.Required("documentation"): vol.All(str, vol.Url(), custom_documentation_url),
        vol.Optional("issue_tracker"): vol.All(str, vol.Url()),
        vol.Optional("quality_scale"): vol.In(QUALITY_SCALES),
        vol.Optional("requirements"): [vol.All(str, requirement_format)],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Required("codeowners"): [str],
        vol.Optional("loggers"): [str],
        vol.Optional("disabled"): str,
        vol.Required("iot_class"): vol.In(IOT_CLASSES),
        vol.Optional("single_config_entry"): bool,
        vol.Optional("preview_features"): dict,
        vol.Required("version"): hassfest_version,
        vol.Optional("import_executor"): bool,
    }
)


def manifest_sort_key(key: str) -> tuple[int, str]:
    """Sort key: domain first, name second, the rest alphabetical."""
    return ({"domain": 0, "name": 1}.get(key, 2), key)


def manifest_key_order(manifest: Manifest) -> None:
    """script/hassfest/manifest.py sort_manifest: domain, name, then alphabetical."""
    keys = list(manifest)
    wanted = sorted(keys, key=manifest_sort_key)
    if keys != wanted:
        raise vol.Invalid(
            f"manifest keys are not sorted (domain, name, then alphabetical): "
            f"expected {wanted}, got {keys}"
        )


def validate_hassfest(manifest: Manifest, dir_name: str) -> None:
    """Apply the hassfest rules for a custom integration; raise vol.Invalid."""
    HASSFEST_CUSTOM_MANIFEST_SCHEMA(manifest)
    # validate_manifest(): "Domain does not match dir name".
    if manifest["domain"] != dir_name:
        raise vol.Invalid(f"domain {manifest['domain']!r} != directory {dir_name!r}")
    # validate_manifest(): a scaled tier of silver or higher needs a code owner.
    scale = manifest.get("quality_scale")
    if scale in SCALED_QUALITY_TIERS[1:] and not manifest["codeowners"]:
        raise vol.Invalid(f"{scale} integration does not have a code owner")
    manifest_key_order(manifest)


def core_components_dir() -> Path:
    """Directory of the installed Home Assistant core integrations."""
    return Path(homeassistant.components.__file__).parent


def validate_dependencies_exist(manifest: Manifest) -> None:
    """script/hassfest/dependencies.py: each dependency must be a known integration."""
    core = core_components_dir()
    for key in ("dependencies", "after_dependencies"):
        for dep in manifest.get(key, []):
            known = (core / dep / "manifest.json").is_file() or (
                CUSTOM_COMPONENTS / dep / "manifest.json"
            ).is_file()
            if not known:
                raise vol.Invalid(f"{key}: integration {dep!r} does not exist")


def validate_no_core_collision(domain: str) -> None:
    """script/hassfest/manifest.py: a custom domain must not shadow a core one."""
    if (core_components_dir() / domain).exists():
        raise vol.Invalid(f"domain {domain!r} collides with a core integration")


# ---------------------------------------------------------------------------
# HACS rules (hacs/integration)
# ---------------------------------------------------------------------------


def hacs_url(value: Any) -> str:
    """Like homeassistant.helpers.config_validation.url, used by HACS."""
    if not isinstance(value, str):
        raise vol.Invalid("expected a URL string")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise vol.Invalid(f"invalid URL {value!r}")
    return value


def hacs_country(value: Any) -> list[str]:
    """custom_components/hacs/utils/validate.py: _country_validator.

    HACS upper-cases a string or a list of strings and checks each against the
    LOCALE list in custom_components/hacs/const.py ("ALL" plus ISO 3166-1
    alpha-2 codes); here only the shape of a code is checked.
    """
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, list):
        values = value
    else:
        raise vol.Invalid("country must be a string or a list of strings")
    codes = [str(item).upper() for item in values]
    for code in codes:
        if code != "ALL" and not re.fullmatch(r"[A-Z]{2}", code):
            raise vol.Invalid(f"country {code!r} is not a two-letter country code")
    return codes


def min_version(value: Any) -> str:
    """hacs.json "homeassistant"/"hacs" are minimum versions.

    custom_components/hacs/repositories/base.py compares them against the
    running version (AwesomeVersion), so they must be strings that parse.
    """
    if not isinstance(value, str):
        raise vol.Invalid("minimum version must be a string")
    if AwesomeVersion(value).strategy in (
        AwesomeVersionStrategy.UNKNOWN,
        AwesomeVersionStrategy.SPECIALCONTAINER,
    ):
        raise vol.Invalid(f"{value!r} is not a comparable version")
    return value


# custom_components/hacs/utils/validate.py: HACS_MANIFEST_JSON_SCHEMA, extra keys
# are not allowed.
HACS_JSON_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): hacs_country,
        vol.Optional("filename"): str,
        vol.Optional("hacs"): min_version,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): min_version,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)


def validate_hacs_json(data: Manifest) -> None:
    """Schema plus custom_components/hacs/validate/hacsjson.py cross-check."""
    HACS_JSON_SCHEMA(data)
    if data.get("zip_release") and not data.get("filename"):
        raise vol.Invalid("zip_release is True, but filename is not set")


def hacs_version(value: Any) -> str:
    """HACS coerces "version" with AwesomeVersion; a string is what it expects."""
    if not isinstance(value, str) or not value:
        raise vol.Invalid("version must be a non-empty string")
    return str(AwesomeVersion(value))


# custom_components/hacs/utils/validate.py: INTEGRATION_MANIFEST_JSON_SCHEMA;
# other keys are allowed (hassfest covers them).
HACS_INTEGRATION_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): hacs_url,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): hacs_url,
        vol.Required("name"): str,
        vol.Required("version"): hacs_version,
    },
    extra=vol.ALLOW_EXTRA,
)


def integration_dirs(repo_root: Path) -> list[Path]:
    """Directories below custom_components/ (HACS manages the first one)."""
    base = repo_root / "custom_components"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name != "__pycache__")


def validate_hacs_structure(repo_root: Path, hacs_json: Manifest) -> None:
    """Repository layout for a HACS integration.

    custom_components/hacs/repositories/integration.py (validate_repository)
    uses custom_components/<first directory>/ unless content_in_root is set, and
    installs to custom_components/<domain>; the HACS publishing docs require
    exactly one integration directory per repository.
    """
    if hacs_json.get("content_in_root"):
        if not (repo_root / "manifest.json").is_file():
            raise vol.Invalid("content_in_root is true but there is no root manifest.json")
        return
    dirs = integration_dirs(repo_root)
    if len(dirs) != 1:
        raise vol.Invalid(f"expected exactly one directory in custom_components/, found {dirs}")
    manifest_file = dirs[0] / "manifest.json"
    if not manifest_file.is_file():
        raise vol.Invalid(f"{manifest_file} is missing")
    domain = json.loads(manifest_file.read_text(encoding="utf-8")).get("domain")
    if domain != dirs[0].name:
        raise vol.Invalid(f"domain {domain!r} != directory {dirs[0].name!r}")


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


def _load(path: Path) -> Manifest:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def manifest() -> Manifest:
    """A fresh copy of the real manifest.json."""
    return _load(MANIFEST_PATH)


@pytest.fixture
def hacs_json() -> Manifest:
    """A fresh copy of the real hacs.json."""
    return _load(HACS_JSON_PATH)


def _drop(key: str) -> Callable[[Manifest], None]:
    return lambda data: data.pop(key)


def _set(key: str, value: Any) -> Callable[[Manifest], None]:
    return lambda data: data.__setitem__(key, value)


def _move_to_front(key: str) -> Callable[[Manifest], None]:
    def mutate(data: Manifest) -> None:
        items = [(key, data[key]), *((k, v) for k, v in data.items() if k != key)]
        data.clear()
        data.update(items)

    return mutate


def _move_to_end(key: str) -> Callable[[Manifest], None]:
    return lambda data: data.__setitem__(key, data.pop(key))


def _insert_sorted(key: str, value: Any) -> Callable[[Manifest], None]:
    """Add a key where sort_manifest would put it, so only the value is tested."""

    def mutate(data: Manifest) -> None:
        data[key] = value
        items = sorted(data.items(), key=lambda item: manifest_sort_key(item[0]))
        data.clear()
        data.update(items)

    return mutate


# ---------------------------------------------------------------------------
# The real files
# ---------------------------------------------------------------------------


def test_manifest_passes_hassfest_rules(manifest: Manifest) -> None:
    """manifest.json satisfies the hassfest rules for custom integrations."""
    validate_hassfest(manifest, INTEGRATION_DIR.name)


def test_manifest_requirements_are_pinned(manifest: Manifest) -> None:
    """Every requirement is pinned as <pkg>==<version>."""
    vol.Schema([requirement_pinned])(manifest.get("requirements", []))


def test_manifest_dependencies_exist(manifest: Manifest) -> None:
    """dependencies/after_dependencies name integrations that exist."""
    validate_dependencies_exist(manifest)


def test_domain_does_not_collide_with_core(manifest: Manifest) -> None:
    """The custom domain does not shadow a built-in integration."""
    validate_no_core_collision(manifest["domain"])


def test_manifest_passes_hacs_rules(manifest: Manifest) -> None:
    """manifest.json has every key HACS requires."""
    HACS_INTEGRATION_MANIFEST_SCHEMA(manifest)


def test_hacs_json_passes_hacs_rules(hacs_json: Manifest) -> None:
    """hacs.json only uses keys HACS knows, with the right types."""
    validate_hacs_json(hacs_json)


def test_repository_structure_passes_hacs_rules(hacs_json: Manifest) -> None:
    """One integration directory, named after the domain."""
    validate_hacs_structure(REPO_ROOT, hacs_json)


def test_integration_types_match_installed_homeassistant() -> None:
    """INTEGRATION_TYPES stays in step with homeassistant.loader.Manifest."""
    allowed = set(get_args(get_type_hints(HAManifest)["integration_type"]))
    assert set(INTEGRATION_TYPES) == allowed - {"virtual"}


# ---------------------------------------------------------------------------
# Broken variants must be rejected
# ---------------------------------------------------------------------------

HASSFEST_BROKEN: dict[str, Callable[[Manifest], None]] = {
    "missing domain": _drop("domain"),
    "missing name": _drop("name"),
    "missing codeowners": _drop("codeowners"),
    "missing documentation": _drop("documentation"),
    "missing version": _drop("version"),
    "missing iot_class": _drop("iot_class"),
    "bad iot_class": _set("iot_class", "local_pull"),
    "bad integration_type": _set("integration_type", "gateway"),
    "virtual integration_type": _set("integration_type", "virtual"),
    "bad quality_scale": _set("quality_scale", "diamond"),
    "bad version": _set("version", "banana"),
    "special version": _set("version", "latest"),
    "empty version": _set("version", ""),
    "numeric version": _set("version", 1.0),
    "config_flow not bool": _set("config_flow", "true"),
    "single_config_entry not bool": _set("single_config_entry", "yes"),
    "requirements not a list": _set("requirements", "aiohttp==3.9.0"),
    "requirement with space": _set("requirements", ["aiohttp == 3.9.0"]),
    "dependencies not a list": _set("dependencies", "recorder"),
    "after_dependencies bad item": _insert_sorted("after_dependencies", [1]),
    "codeowners not a list": _set("codeowners", "@aisthos"),
    "documentation not https": _set("documentation", "http://example.com/docs"),
    "documentation not a url": _set("documentation", "see README"),
    "documentation on core docs": _set("documentation", f"{CORE_DOCS_BASE}/aisthos"),
    "issue_tracker not a url": _set("issue_tracker", "github issues"),
    "unknown key": _insert_sorted("homepage", "https://example.com"),
    "domain with dash": _set("domain", "aisthos-x"),
    "domain != directory": _set("domain", "aisthos_x"),
    "silver without codeowners": lambda d: d.update(quality_scale="silver", codeowners=[]),
    "name before domain": _move_to_front("name"),
    "version not last alphabetically": _move_to_front("version"),
    "codeowners after version": _move_to_end("codeowners"),
}


@pytest.mark.parametrize("mutate", HASSFEST_BROKEN.values(), ids=HASSFEST_BROKEN.keys())
def test_hassfest_rejects_broken_manifest(
    manifest: Manifest, mutate: Callable[[Manifest], None]
) -> None:
    """Each broken copy of manifest.json fails the hassfest rules."""
    broken = copy.deepcopy(manifest)
    mutate(broken)
    assert broken != manifest or list(broken) != list(manifest)
    with pytest.raises(vol.Invalid):
        validate_hassfest(broken, INTEGRATION_DIR.name)


@pytest.mark.parametrize(
    "requirement",
    ["aiohttp", "aiohttp>=3.9", "aiohttp==", "aiohttp ==3.9.0"],
)
def test_unpinned_requirement_rejected(requirement: str) -> None:
    """A requirement must be pinned as <pkg>==<version>."""
    with pytest.raises(vol.Invalid):
        vol.Schema([vol.All(requirement_format, requirement_pinned)])([requirement])


def test_pinned_requirement_accepted() -> None:
    """The pin rule accepts what it should, so the negative test means something."""
    vol.Schema([vol.All(requirement_format, requirement_pinned)])(
        ["aiohttp==3.9.0", "pkg[extra]==1.0"]
    )


def test_missing_dependency_rejected(manifest: Manifest) -> None:
    """An unknown dependency is reported."""
    manifest["dependencies"] = [*manifest.get("dependencies", []), "no_such_integration"]
    with pytest.raises(vol.Invalid):
        validate_dependencies_exist(manifest)


def test_core_collision_rejected() -> None:
    """A domain equal to a core integration is reported."""
    with pytest.raises(vol.Invalid):
        validate_no_core_collision("recorder")


HACS_MANIFEST_BROKEN: dict[str, Callable[[Manifest], None]] = {
    "missing issue_tracker": _drop("issue_tracker"),
    "missing version": _drop("version"),
    "missing documentation": _drop("documentation"),
    "missing codeowners": _drop("codeowners"),
    "missing domain": _drop("domain"),
    "missing name": _drop("name"),
    "issue_tracker not a url": _set("issue_tracker", "github issues"),
    "documentation not a url": _set("documentation", "README.md"),
    "codeowners not a list": _set("codeowners", "@aisthos"),
    "version not a string": _set("version", 1),
}


@pytest.mark.parametrize("mutate", HACS_MANIFEST_BROKEN.values(), ids=HACS_MANIFEST_BROKEN.keys())
def test_hacs_rejects_broken_manifest(
    manifest: Manifest, mutate: Callable[[Manifest], None]
) -> None:
    """Each broken copy of manifest.json fails the HACS manifest rules."""
    mutate(manifest)
    with pytest.raises(vol.Invalid):
        HACS_INTEGRATION_MANIFEST_SCHEMA(manifest)


HACS_JSON_BROKEN: dict[str, Callable[[Manifest], None]] = {
    "unknown key codeowners": _set("codeowners", ["@aisthos"]),
    "unknown key domain": _set("domain", "aisthos"),
    "missing name": _drop("name"),
    "content_in_root not bool": _set("content_in_root", "false"),
    "render_readme not bool": _set("render_readme", "yes"),
    "zip_release without filename": _set("zip_release", True),
    "homeassistant not a string": _set("homeassistant", 2026.10),
    "homeassistant not a version": _set("homeassistant", "soon"),
    "hacs not a version": _set("hacs", "latest"),
    "country not a code": _set("country", "Germany"),
    "country wrong type": _set("country", 49),
}


@pytest.mark.parametrize("mutate", HACS_JSON_BROKEN.values(), ids=HACS_JSON_BROKEN.keys())
def test_hacs_rejects_broken_hacs_json(
    hacs_json: Manifest, mutate: Callable[[Manifest], None]
) -> None:
    """Each broken copy of hacs.json fails the HACS rules."""
    mutate(hacs_json)
    with pytest.raises(vol.Invalid):
        validate_hacs_json(hacs_json)


def test_hacs_json_accepts_valid_optional_keys(hacs_json: Manifest) -> None:
    """Known optional keys pass, so the negative tests fail for the right reason."""
    hacs_json.update(
        country=["de", "NL"],
        filename="aisthos.zip",
        hacs="2.0.0",
        hide_default_branch=False,
        persistent_directory="userfiles",
        zip_release=True,
    )
    validate_hacs_json(hacs_json)


def _write_integration(root: Path, dir_name: str, domain: str) -> None:
    integration = root / "custom_components" / dir_name
    integration.mkdir(parents=True)
    (integration / "manifest.json").write_text(json.dumps({"domain": domain}))


def test_structure_rejects_two_integrations(tmp_path: Path) -> None:
    """HACS wants exactly one directory under custom_components/."""
    _write_integration(tmp_path, "aisthos", "aisthos")
    _write_integration(tmp_path, "other", "other")
    with pytest.raises(vol.Invalid):
        validate_hacs_structure(tmp_path, {"name": "AisthOS"})


def test_structure_rejects_no_integration(tmp_path: Path) -> None:
    """An empty repository has nothing for HACS to install."""
    (tmp_path / "custom_components").mkdir()
    with pytest.raises(vol.Invalid):
        validate_hacs_structure(tmp_path, {"name": "AisthOS"})


def test_structure_rejects_domain_not_directory(tmp_path: Path) -> None:
    """The manifest domain must equal its directory name."""
    _write_integration(tmp_path, "aisthos", "aisthos_x")
    with pytest.raises(vol.Invalid):
        validate_hacs_structure(tmp_path, {"name": "AisthOS"})


def test_structure_accepts_single_matching_integration(tmp_path: Path) -> None:
    """The structure rule accepts a correct layout."""
    _write_integration(tmp_path, "aisthos", "aisthos")
    validate_hacs_structure(tmp_path, {"name": "AisthOS"})


def test_structure_rejects_content_in_root_without_root_manifest() -> None:
    """content_in_root=true needs manifest.json at the repository root."""
    with pytest.raises(vol.Invalid):
        validate_hacs_structure(REPO_ROOT, {"name": "AisthOS", "content_in_root": True})
