"""List the pip requirements Home Assistant would install at run time for this config.

Home Assistant installs an integration's requirements when it first sets it up.
scripts/develop runs it with --skip-pip instead (no surprise downloads, no
unpinned tool at run time), so it installs them once up front with pip: those
of every integration the config sets up, the ones HA always sets up, and their
dependencies. The pins come from HA's own manifests, so they follow the
installed HA version.
    python develop/requirements.py CONFIG_DIR   # prints the missing ones
"""

from __future__ import annotations

import importlib.metadata as md
import json
from pathlib import Path
import re
import sys

from homeassistant import bootstrap, components
from homeassistant.const import BASE_PLATFORMS

# Set up on the way: by the onboarding (met, radio_browser, …) they only fail,
# which is harmless; the others are what the config and HA itself load.
SKIP = {"met", "radio_browser", "google_translate"}


def manifest(domain: str, custom: Path) -> dict:
    """Return an integration's manifest: the config's custom one first."""
    for base in (custom, Path(components.__file__).parent):
        path = base / domain / "manifest.json"
        if path.exists():
            return json.loads(path.read_text())
    return {}


def top_level_domains(config_dir: Path) -> set[str]:
    """Return the integrations configuration.yaml names."""
    # Keys of configuration.yaml, without a YAML parser's !include handling.
    text = (config_dir / "configuration.yaml").read_text()
    return set(re.findall(r"^([a-z0-9_]+):", text, re.MULTILINE)) - {"homeassistant"}


def main() -> None:
    """Print the missing requirements, one a line."""
    config_dir = Path(sys.argv[1])
    custom = config_dir / "custom_components"
    todo = (
        top_level_domains(config_dir)
        | bootstrap.DEFAULT_INTEGRATIONS
        | bootstrap.CORE_INTEGRATIONS
        | set(BASE_PLATFORMS)  # the frontend's service list imports them all
        | {p.name for p in custom.iterdir()}
    )
    seen: set[str] = set()
    wanted: list[str] = []
    while todo:
        domain = todo.pop()
        if domain in seen or domain in SKIP:
            continue
        seen.add(domain)
        data = manifest(domain, custom)
        wanted += data.get("requirements", [])
        todo |= set(data.get("dependencies", []))
    missing = []
    for req in sorted(set(wanted)):
        name = re.split(r"[=<>~!;\[ ]", req, maxsplit=1)[0]
        try:
            md.version(name)  # installed in some version: leave it as the tests pin it
        except md.PackageNotFoundError:
            missing.append(req)
    print("\n".join(missing))


if __name__ == "__main__":
    main()
