"""Screenshots of the development Home Assistant, logged in as the dev owner.

Run by scripts/screenshot inside the project's env. Uses Debian's chromium
(scripts/setup --browser), never a browser playwright downloads. Logs in by
putting .develop/token into localStorage the way the frontend stores its own
tokens (hassTokens), so no login form is involved.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import sys
import time

import aiohttp
from playwright.async_api import TimeoutError as PlaywrightTimeoutError, async_playwright

BASE = "http://127.0.0.1:8123"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (file in docs/, path, text that must be on the page, how often at least);
# {device} is the AisthOS device's id.
PAGES = (("device.png", "/config/devices/device/{device}", "Sparks today", 1),)


async def wait_for_sparks(token: str, minimum: int, limit_s: float) -> int:
    """Let the occupant simulator run until AisthOS counted `minimum` Sparks today."""
    deadline = time.monotonic() + limit_s
    count = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        while True:
            async with session.get(f"{BASE}/api/states/sensor.aisthos_sparks_today") as resp:
                if resp.status == 200:
                    state = (await resp.json())["state"]
                    count = int(state) if state.isdigit() else 0
            if count >= minimum or time.monotonic() > deadline:
                return count
            await asyncio.sleep(2)


async def aisthos_device(token: str) -> str:
    """Return the id of the AisthOS device (through a template: REST has no registry)."""
    headers = {"Authorization": f"Bearer {token}"}
    template = {"template": "{{ device_id('sensor.aisthos_sparks_today') }}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(f"{BASE}/api/template", json=template) as resp,
    ):
        resp.raise_for_status()
        device = (await resp.text()).strip()
    if not device or device == "None":
        raise RuntimeError("no AisthOS device: is the integration set up?")
    return device


def login_script(token: str) -> str:
    """JS that stores the token as the frontend does after a login (hassTokens).

    Run before any page script on every navigation, so the frontend finds
    itself logged in and never redirects to the login page.
    """
    tokens = {
        "access_token": token,
        "token_type": "Bearer",
        # Far in the future: a long-lived token needs no refresh (and has none).
        "expires_in": 10 * 365 * 86400,
        "expires": int((time.time() + 10 * 365 * 86400) * 1000),
        "refresh_token": "",
        "hassUrl": BASE,
        "clientId": f"{BASE}/",
    }
    return f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"


async def shoot(out: Path, token: str) -> list[Path]:
    """Save a PNG of each of PAGES into `out`."""
    saved = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.add_init_script(login_script(token))
        device = await aisthos_device(token)
        for name, path, expect, times in PAGES:
            await page.goto(BASE + path.format(device=device))
            # Locators pierce the frontend's shadow DOM.
            lines = page.get_by_text(expect, exact=True)
            try:
                await lines.first.wait_for(timeout=60_000)
                for _ in range(30):
                    if await lines.count() >= times:
                        break
                    await page.wait_for_timeout(2_000)
            except PlaywrightTimeoutError:
                failed = out / f"failed-{name}"
                await page.screenshot(path=str(failed))
                raise RuntimeError(f"{path} never showed {expect!r}; see {failed}") from None
            await page.wait_for_timeout(2_000)  # let late cards and icons settle
            if "/auth/authorize" in page.url:
                raise RuntimeError(f"{path} shows the login page: the token was not accepted")
            target = out / name
            await page.screenshot(path=str(target))
            saved.append(target)
        await browser.close()
    return saved


def main() -> int:
    """Wait for enough Sparks, then take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs", help="folder for the PNGs")
    parser.add_argument("--token-file", default=".develop/token")
    parser.add_argument(
        "--min-sparks", type=int, default=20, help="wait until AisthOS counted this many today"
    )
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    token = Path(args.token_file).read_text().strip()
    count = asyncio.run(wait_for_sparks(token, args.min_sparks, args.timeout))
    print(f"==> {count} Sparks today", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(out, token)):
        print(f"==> saved {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
