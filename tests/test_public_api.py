"""AisthOS uses other integrations through their public API only.

Home Assistant's and HACS's reviewers refuse a custom integration that
imports another integration's private modules: those change without notice
(recorder.db_schema with every schema version, conversation.agent_manager,
http.const, ...). This walks every module of custom_components/aisthos (its
syntax tree: `import`, `from ... import`, importlib.import_module with a
literal name, also under TYPE_CHECKING) and fails on any import of
`homeassistant.components.<domain>.<submodule>`, spelled as a module path or
as `from homeassistant.components.<domain> import <submodule>`.

Allowed, and why:

- `homeassistant.components` and `homeassistant.components.<domain>`: an
  integration's package (its `__init__`) is its public API. Names it
  re-exports without `as` and without `__all__` (todo's TodoItem, logbook's
  LOGBOOK_ENTRY_*, http's KEY_HASS_USER) are public there too; mypy's strict
  re-export rule then wants a `# type: ignore[attr-defined]`, which is no
  private import.
- `homeassistant.components.recorder.history`: the recorder's documented
  query API (its `__all__` says "These are the APIs of this package"), the
  one HA's own history integration imports.
- `homeassistant.components.<domain>.const` only for a domain of ours: none
  lives under homeassistant.components, so no other domain's const module is
  allowed (its public constants are re-exported by its package).
- Integration platforms (`<domain>.config_flow`, `.diagnostics`, `.logbook`,
  `.trigger`, ...) are modules an integration offers Home Assistant to load,
  not an API for other integrations: none is allowed.

Known exceptions, each with no public equivalent today; remove an entry once
its import is gone:

- wisdom_download.py: `http.auth` for async_sign_path and SIGN_QUERY_PARAM.
  Signing a path has no public API (HA's own integrations that sign links,
  media_player and ai_task among them, import http.auth too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import homeassistant.components

PACKAGE = Path(__file__).parent.parent / "custom_components" / "aisthos"
COMPONENTS = Path(homeassistant.components.__file__).parent
OUR_DOMAINS = frozenset({"aisthos"})
PUBLIC_SUBMODULES = frozenset({"homeassistant.components.recorder.history"})
KNOWN_EXCEPTIONS = {
    ("wisdom_download.py", "homeassistant.components.http.auth"),
}
IMPORTERS = frozenset({"import_module", "async_import_module"})


def _is_submodule(domain: str, name: str) -> bool:
    """Whether `name` is a module of HA's integration `domain` (not a name in its package)."""
    folder = COMPONENTS / domain
    return (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()


def imported_modules(source: str) -> set[str]:
    """Return every homeassistant.components module a module's source imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            parts = node.module.split(".")
            if parts[:2] == ["homeassistant", "components"] and len(parts) == 3:
                found.update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if _is_submodule(parts[2], alias.name)
                )
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in IMPORTERS)
                or (isinstance(node.func, ast.Attribute) and node.func.attr in IMPORTERS)
            )
        ):
            found.add(node.args[0].value)
    return {name for name in found if name.startswith("homeassistant.components.")}


def is_private(module: str) -> bool:
    """Whether importing `module` reaches into another integration's private modules."""
    parts = module.split(".")
    if len(parts) <= 3 or module in PUBLIC_SUBMODULES:
        return False
    return not (parts[2] in OUR_DOMAINS and parts[3] == "const")


def private_imports(path: Path) -> list[str]:
    """Return the private imports of one of our modules, known exceptions aside."""
    name = path.relative_to(PACKAGE).as_posix()
    return sorted(
        module
        for module in imported_modules(path.read_text(encoding="utf-8"))
        if is_private(module) and (name, module) not in KNOWN_EXCEPTIONS
    )


def test_no_module_imports_another_integrations_private_modules() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package
    found = {
        path.relative_to(PACKAGE).as_posix(): imports
        for path in modules
        if (imports := private_imports(path))
    }
    assert found == {}


def test_the_check_sees_every_way_of_importing() -> None:
    source = """
from typing import TYPE_CHECKING
import importlib
from homeassistant.components import recorder, persistent_notification
from homeassistant.components.recorder import get_instance, history
from homeassistant.components.recorder.db_schema import States
from homeassistant.components.recorder import util
import homeassistant.components.conversation.agent_manager as manager
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.components.todo import TodoItem
from .const import DOMAIN
if TYPE_CHECKING:
    from homeassistant.components.logbook.models import LazyEventPartialState
importlib.import_module("homeassistant.components.automation.config")
"""
    private = sorted(m for m in imported_modules(source) if is_private(m))
    assert private == [
        "homeassistant.components.automation.config",
        "homeassistant.components.conversation.agent_manager",
        "homeassistant.components.http.const",
        "homeassistant.components.logbook.models",
        "homeassistant.components.recorder.db_schema",
        "homeassistant.components.recorder.util",
    ]
    assert not is_private("homeassistant.components.recorder.history")
    assert not is_private("homeassistant.components.todo")
    assert is_private("homeassistant.components.sensor.const")
