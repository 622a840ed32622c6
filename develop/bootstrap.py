"""Bring a freshly started development Home Assistant to a usable state.

Run by scripts/develop inside the project's env once Home Assistant starts:
waits until it answers, onboards the owner account through the onboarding REST
API (as the frontend would), keeps a long-lived access token in .develop/token,
and creates the AisthOS config entry through its real config flow. Every step
is skipped when already done, so this runs on every start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp

BASE = "http://127.0.0.1:8123"
CLIENT_ID = f"{BASE}/"
REDIRECT_URI = f"{BASE}/?auth_callback=1"
NAME, USERNAME, PASSWORD = "Dev", "dev", "aisthos-dev"
ENTRY_BAD_STATES = {"setup_error", "setup_retry", "migration_error", "failed_unload"}


class BootstrapError(Exception):
    """A step failed; the message says which and why."""


def say(message: str) -> None:
    """Print a progress line."""
    print(f"==> {message}", flush=True)


def alive(pid_file: Path) -> bool | None:
    """Whether the Home Assistant process named in pid_file runs; None: no pid file yet."""
    try:
        pid = int(pid_file.read_text().strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


class Bootstrap:
    """The steps, sharing one HTTP session."""

    def __init__(self, session: aiohttp.ClientSession, args: argparse.Namespace) -> None:
        self.session = session
        self.args = args
        self.token_file = Path(args.token_file)
        self.access_token: str | None = None  # a user's short-lived token

    async def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """Send one request; return the status and the decoded JSON (or text)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, BASE + path, headers=headers, **kwargs) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text else None
            except json.JSONDecodeError:
                return resp.status, text

    async def wait_until_up(self) -> None:
        """Poll until the HTTP server answers; fail early if Home Assistant exits."""
        pid_file = Path(self.args.pid_file)
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline:
            if alive(pid_file) is False:
                raise BootstrapError("Home Assistant exited while starting")
            try:
                # Any answer will do: once onboarded, /api/onboarding is a 404.
                await self.request("GET", "/api/onboarding")
                return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1)
        raise BootstrapError(f"Home Assistant did not answer within {self.args.timeout:.0f} s")

    async def token_from_code(self, code: str) -> str:
        """Exchange an authorization code for an access token."""
        status, body = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        )
        if status != 200:
            raise BootstrapError(f"/auth/token answered {status}: {body}")
        return str(body["access_token"])

    async def login(self) -> str:
        """Log in as the owner through the login flow, as the login page does."""
        if self.access_token:
            return self.access_token
        status, flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": REDIRECT_URI,
            },
        )
        if status != 200:
            raise BootstrapError(f"login flow answered {status}: {flow}")
        status, result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID},
        )
        if status != 200 or result.get("type") != "create_entry":
            raise BootstrapError(
                f"cannot log in as {USERNAME!r} (was the password changed?): {result}"
            )
        self.access_token = await self.token_from_code(result["result"])
        return self.access_token

    async def onboard(self) -> None:
        """Create the owner and finish the remaining onboarding steps."""
        status, steps = await self.request("GET", "/api/onboarding")
        # Onboarding views are only registered while onboarding is unfinished.
        done = {step["step"] for step in steps if step["done"]} if status == 200 else None
        if done is None or {"user", "core_config", "analytics", "integration"} <= done:
            say("already onboarded")
            return
        if "user" not in done:
            status, body = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": CLIENT_ID,
                    "name": NAME,
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )
            if status != 200:
                raise BootstrapError(f"creating the owner answered {status}: {body}")
            self.access_token = await self.token_from_code(body["auth_code"])
            say(f"created the owner account {USERNAME!r}")
        token = await self.login()
        for step, payload in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI}),
        ):
            if step in done:
                continue
            status, body = await self.request(
                "POST", f"/api/onboarding/{step}", token, json=payload
            )
            if status != 200:
                raise BootstrapError(f"onboarding step {step} answered {status}: {body}")
        say("onboarding finished")

    async def long_lived_token(self) -> str:
        """Reuse .develop/token while it works; otherwise create one over the websocket."""
        if self.token_file.exists():
            token = self.token_file.read_text().strip()
            status, _ = await self.request("GET", "/api/", token)
            if status == 200:
                return token
        user_token = await self.login()
        async with self.session.ws_connect(f"{BASE}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": user_token})
            if (msg := await ws.receive_json())["type"] != "auth_ok":
                raise BootstrapError(f"websocket auth failed: {msg}")
            await ws.send_json(
                {
                    "id": 1,
                    "type": "auth/long_lived_access_token",
                    # Names must be unique per user.
                    "client_name": f"scripts/develop {time.strftime('%Y-%m-%d %H:%M:%S')}",
                    "lifespan": 3650,
                }
            )
            msg = await ws.receive_json()
        if not msg.get("success"):
            raise BootstrapError(f"creating a long-lived token failed: {msg}")
        token = str(msg["result"])
        self.token_file.parent.mkdir(parents=True, exist_ok=True)
        self.token_file.write_text(token + "\n")
        self.token_file.chmod(0o600)
        say(f"saved a long-lived access token to {self.token_file}")
        return token

    async def wait_running(self, token: str) -> None:
        """Wait for the end of startup, so every integration had its chance to load."""
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline:
            status, config = await self.request("GET", "/api/config", token)
            if status == 200 and config.get("state") == "RUNNING":
                return
            await asyncio.sleep(1)
        raise BootstrapError("Home Assistant did not finish starting")

    async def entries(self, token: str, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of a domain."""
        status, body = await self.request(
            "GET",
            "/api/config/config_entries/entry" + (f"?domain={domain}" if domain else ""),
            token,
        )
        if status != 200:
            raise BootstrapError(f"listing {domain} entries answered {status}: {body}")
        return list(body)

    async def aisthos_entry(self, token: str) -> bool:
        """Create the AisthOS entry through its config flow, with the form's defaults."""
        if not await self.entries(token, "aisthos"):
            path = "/api/config/config_entries/flow"
            status, form = await self.request("POST", path, token, json={"handler": "aisthos"})
            if status != 200:
                raise BootstrapError(f"starting the AisthOS config flow answered {status}: {form}")
            if form.get("type") == "form":
                defaults = {
                    field["name"]: field["default"]
                    for field in form.get("data_schema", [])
                    if "default" in field
                }
                status, form = await self.request(
                    "POST", f"{path}/{form['flow_id']}", token, json=defaults
                )
            if status != 200 or form.get("type") != "create_entry":
                raise BootstrapError(f"the AisthOS config flow ended with {status}: {form}")
            say("created the AisthOS config entry through its config flow")
        # Setup runs right after the flow; give it a few seconds to report.
        for _ in range(30):
            entry = (await self.entries(token, "aisthos"))[0]
            if entry["state"] == "loaded":
                return True
            if entry["state"] in ENTRY_BAD_STATES:
                break
            await asyncio.sleep(1)
        say(
            f"WARNING: the AisthOS entry is {entry['state']!r}"
            f" ({entry.get('reason') or 'no reason given'}); see home-assistant.log"
        )
        return False

    async def drop_failed_onboarding_entries(self, token: str) -> None:
        """Remove what onboarding added but cannot load here (google_translate: no gTTS).

        Onboarding offers integrations that need packages and the Internet;
        the development home uses none of them, and a failed entry in Settings
        only distracts.
        """
        for _ in range(10):
            entries = [e for e in await self.entries(token, "") if e["source"] == "onboarding"]
            if all(e["state"] != "setup_in_progress" for e in entries):
                break
            await asyncio.sleep(1)
        for entry in entries:
            if entry["state"] in ENTRY_BAD_STATES | {"not_loaded"}:
                path = f"/api/config/config_entries/entry/{entry['entry_id']}"
                await self.request("DELETE", path, token)
                say(f"removed the {entry['domain']} entry onboarding added; it cannot load here")

    async def run(self) -> int:
        """Run every step; 0 when all is well, 3 when HA runs with warnings."""
        await self.wait_until_up()
        await self.onboard()
        token = await self.long_lived_token()
        await self.wait_running(token)
        await self.drop_failed_onboarding_entries(token)
        ok = await self.aisthos_entry(token)
        home = await self.entries(token, "aisthos_home")
        if not home or home[0]["state"] != "loaded":
            say(f"WARNING: the simulated home is not loaded: {home}")
            ok = False
        print(
            f"\n  Home Assistant is ready: {BASE}\n"
            f"  Log in as: {USERNAME} / {PASSWORD}\n"
            f"  API token: {self.token_file}\n"
            f"  Log:       {self.args.config}/home-assistant.log\n",
            flush=True,
        )
        return 0 if ok else 3


async def main() -> int:
    """Parse the arguments and run the bootstrap."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=".develop/config")
    parser.add_argument("--pid-file", default=".develop/hass.pid")
    parser.add_argument("--token-file", default=".develop/token")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        try:
            return await Bootstrap(session, args).run()
        except BootstrapError as err:
            print(f"==> ERROR: {err}", file=sys.stderr, flush=True)
            return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
