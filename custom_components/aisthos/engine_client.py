"""Talking to the AisthOS engine (the add-on, or the same service run standalone).

Everything the engine answers is untrusted: a skill name from the local LLM is
accepted only as one short line of plain text, and anything else keeps the
template name.

The client logs one warning when the engine stops answering and one info line
when it answers again, not one line per failed call.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from aiohttp import ClientError, ClientSession, ClientTimeout

from .engine.automation_config import clean_text

_LOGGER = logging.getLogger(__package__)
TIMEOUT: Final = ClientTimeout(total=15)
_TEMPLATE: Final = re.compile(r"\{[{%#]|[}%#]\}")
# A local LLM on a small machine's CPU may take a while to answer.
ANSWER_TIMEOUT: Final = ClientTimeout(total=120)
# The Track C status is asked for each time the panel's overview loads: an
# add-on that hangs must not hold the panel for long.
STATUS_TIMEOUT: Final = ClientTimeout(total=3)
_MARKERS: Final = re.compile(r"\{\{|\{%|\{#|[\x00-\x1f\x7f]")


class EngineError(Exception):
    """The engine could not be reached or answered nonsense."""


class EngineAuthError(EngineError):
    """The engine refused the token."""


class EngineUnavailableError(EngineError):
    """The engine did not answer, or answered that it cannot serve (HTTP 5xx)."""


class EngineClient:
    """A token-authenticated client of the engine's API."""

    def __init__(
        self, session: ClientSession, url: str, token: str, *, log_availability: bool = True
    ) -> None:
        """Create for a base URL such as http://a0d7b954-aisthos:8199.

        A client made only to check a URL typed into a form passes
        log_availability=False: its failures are the form's errors.
        """
        self._session = session
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._log_availability = log_availability
        self.available = True

    async def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        limit: ClientTimeout = TIMEOUT,
        model_call: bool = False,
    ) -> dict[str, Any]:
        try:
            data = await self._request_once(method, path, body, limit, model_call)
        except EngineUnavailableError as err:
            self._set_available(False, err)
            raise
        except EngineError:
            # It answered (a refused token, an odd answer): it is there.
            self._set_available(True, None)
            raise
        self._set_available(True, None)
        return data

    def _set_available(self, available: bool, err: EngineError | None) -> None:
        if available == self.available:
            return
        self.available = available
        if not self._log_availability:
            return
        if available:
            _LOGGER.info("The AisthOS engine is available again")
        else:
            _LOGGER.warning("The AisthOS engine is unavailable: %s", err)

    async def _request_once(
        self, method: str, path: str, body: Any, limit: ClientTimeout, model_call: bool
    ) -> dict[str, Any]:
        try:
            async with self._session.request(
                method, self.url + path, json=body, headers=self._headers, timeout=limit
            ) as response:
                if response.status == 401:
                    raise EngineAuthError("the engine refused the token")
                if model_call and response.status in (502, 503):
                    # No model, or output it refused: the engine itself is there.
                    raise EngineError(f"the engine's model answered HTTP {response.status}")
                if response.status >= 500:
                    raise EngineUnavailableError(f"the engine answered HTTP {response.status}")
                if response.status != 200:
                    raise EngineError(f"the engine answered HTTP {response.status}")
                try:
                    data = await response.json(content_type=None)
                except ValueError as err:
                    raise EngineError(
                        f"the engine answered something that is not JSON: {type(err).__name__}"
                    ) from err
        except (ClientError, TimeoutError) as err:
            raise EngineUnavailableError(
                f"the engine cannot be reached: {type(err).__name__}"
            ) from err
        except ValueError as err:
            # aiohttp refuses some URLs outright (user:password@ beside a token).
            raise EngineError(f"the engine URL cannot be used: {err}") from err
        if not isinstance(data, dict):
            raise EngineError("the engine answered something that is not an object")
        return data

    async def async_status(self) -> dict[str, Any]:
        """Return the engine's status (checks URL and token)."""
        return await self._request("GET", "/api/status")

    async def async_answer(self, question: str, context: str) -> str:
        """Return the companion's answer from the add-on's local model (checked text)."""
        answer = await self.async_reply(question, context)
        if not isinstance(answer, str):
            raise EngineError("the engine asked for a tool where an answer was wanted")
        return answer

    async def async_reply(
        self, question: str, context: str, tools: list[dict[str, Any]] | None = None
    ) -> str | tuple[str, dict[str, Any]]:
        """Return the model's answer, or the (tool name, arguments) it wants first."""
        body: dict[str, Any] = {"question": question, "context": context}
        if tools:
            body["tools"] = tools
        data = await self._request(
            "POST", "/api/llm/answer", body, limit=ANSWER_TIMEOUT, model_call=True
        )
        if isinstance(call := data.get("tool_call"), dict):
            name, arguments = call.get("name"), call.get("arguments")
            offered = {t["name"] for t in tools or ()}
            if name not in offered or not isinstance(arguments, dict):
                raise EngineError("the engine asked for a tool it was not offered")
            return str(name), arguments
        answer = data.get("answer")
        if not isinstance(answer, str) or not answer.strip() or _TEMPLATE.search(answer):
            raise EngineError("the engine gave no usable answer")
        # Lines stay lines (a list is an answer too); each is cleaned like a name.
        lines = (clean_text(line, 600) for line in answer.splitlines())
        return "\n".join(line for line in lines if line)[:600]

    async def async_send_interactions(self, export: dict[str, Any]) -> dict[str, Any]:
        """Hand the interactions export to the add-on for its weekly fine-tune."""
        return await self._request("POST", "/api/finetune/interactions", export)

    async def async_finetune_status(self) -> dict[str, Any]:
        """Return the add-on's Track C status: available, next run, the last report."""
        return await self._request("GET", "/api/finetune/status", limit=STATUS_TIMEOUT)

    async def async_skill_name(self, definition: dict[str, Any]) -> str | None:
        """Return a better name for a skill from the local LLM, or None."""
        data = await self._request("POST", "/api/llm/skill_text", {"definition": definition})
        if data.get("source") != "llm":
            return None
        name = data.get("name")
        if not isinstance(name, str) or not 3 <= len(name) <= 120 or _MARKERS.search(name):
            return None
        return clean_text(name, 120) or None
