"""Make addon/aisthos_addon importable as it is when run with `python -m aisthos_addon`."""

from __future__ import annotations

from pathlib import Path
import sys

ADDON = Path(__file__).resolve().parents[2] / "addon"
if str(ADDON) not in sys.path:
    sys.path.insert(0, str(ADDON))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def local_sockets(socket_enabled: None) -> None:
    """Allow TCP sockets: the add-on tests run real servers on 127.0.0.1 only.

    The Home Assistant test plugin blocks sockets for every test; pytest-socket's
    socket_enabled lifts that, and every server and client here binds 127.0.0.1.
    """
