"""Write .storage/http so a new config's HTTP server binds to 127.0.0.1 only.

Since 2026.x Home Assistant keeps its HTTP settings in .storage/http. YAML
`http:` is only migrated once, as a "pending" trial that reverts (and
restarts HA, on all interfaces) unless confirmed in the UI within 5 minutes.
So before the first start we store the settings as already confirmed
("stable"), built with HA's own schema so every other key keeps its default.
    python develop/seed_http.py CONFIG_DIR
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
    KEY_PENDING,
    KEY_STABLE,
    KEY_YAML_MIGRATION_DONE,
    STORAGE_KEY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from homeassistant.util import dt as dt_util


def main() -> None:
    """Write the file unless it exists."""
    path = Path(sys.argv[1], ".storage", STORAGE_KEY)
    if path.exists():
        return
    stable = dict(HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": 8123}))
    stable.update(created_at=dt_util.utcnow().isoformat(), error=None, error_message=None)
    data = {KEY_STABLE: stable, KEY_PENDING: None, KEY_YAML_MIGRATION_DONE: True}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": STORAGE_VERSION,
                "minor_version": STORAGE_MINOR_VERSION,
                "key": STORAGE_KEY,
                "data": data,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
