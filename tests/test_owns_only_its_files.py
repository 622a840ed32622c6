"""AisthOS writes no file that belongs to the user, to HA or to another integration.

Two ways of knowing: no string in the integration's code names such a file
(tokens, so comments and docstrings explaining why may), and during every
test of the suite tests/file_guard.py watches the config folder (see the
autouse fixture in conftest.py). Here the guard itself is shown to catch a
write.
"""

from __future__ import annotations

import io
from pathlib import Path
import tokenize

from custom_components.aisthos.const import DOMAIN
from homeassistant.core import HomeAssistant

from . import file_guard

PACKAGE = Path(__file__).parents[1] / "custom_components" / "aisthos"
NOT_OURS = ("automations.yaml", "configuration.yaml", "scripts.yaml", "scenes.yaml", "secrets.yaml")


def test_no_code_names_a_file_of_the_users() -> None:
    for module in PACKAGE.rglob("*.py"):
        tokens = tokenize.generate_tokens(io.StringIO(module.read_text()).readline)
        for token in tokens:
            if token.type != tokenize.STRING or token.string.startswith(('"""', "'''")):
                continue
            for name in NOT_OURS:
                assert name not in token.string, f"{module.name}:{token.start[0]} names {name}"
            assert ".storage" not in token.string, f"{module.name}:{token.start[0]}"


async def test_the_guard_catches_a_write_by_aisthos(hass: HomeAssistant) -> None:
    config = Path(hass.config.config_dir)
    target = config / "automations.yaml"
    # Code whose frames say it is AisthOS's, as a module of the package would.
    code = compile(
        "open(target, 'w').close()\nopen(ours, 'w').close()\n",
        str(PACKAGE / "a_module_that_must_not_exist.py"),
        "exec",
    )
    exec(code, {"target": target, "ours": config / f"{DOMAIN}.db"})
    found = list(file_guard.violations)
    file_guard.violations.clear()  # not this test's failure: what it shows
    assert found == ["open automations.yaml"]
    # The same write by HA or a test (no AisthOS frame) is not AisthOS's.
    target.write_text("[]\n")
    assert file_guard.violations == []
