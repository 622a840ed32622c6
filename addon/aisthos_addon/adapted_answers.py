"""Answers from the fine-tuned companion: the Track C base model with its LoRA adapter.

Where the weekly fine-tune trained (mlx-lm), the same model folder and the
adapter it wrote answer the household's questions from then on, so what the
person liked or corrected shapes what they hear. MLX keeps its streams per
thread: the service runs all of this in one thread of its own. How far the adapter moved
the answers is measured on the training examples themselves: the mean log
probability per token of the preferred replies, without and with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import gc
import logging
from pathlib import Path
import threading
from typing import Any, Final

from .finetune import ADAPTER_FILE, DEFAULT_PERSONA
from .llm import UntrustedOutputError, clean_text

_LOGGER = logging.getLogger(__name__)

ANSWER_MAX: Final = 600
MAX_TOKENS: Final = 120

type Messages = Sequence[Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Shift:
    """How the adapter moved the preferred replies' likelihood (nats per token)."""

    before: float
    after: float

    @property
    def gain(self) -> float:
        """Return after - before: positive when the replies became likelier."""
        return self.after - self.before


class AdaptedAnswerer:
    """The fine-tune's base model with an adapter (or none), answering with mlx-lm."""

    def __init__(self, model_dir: str, adapter_dir: Path | None) -> None:
        """Load the model; with adapter_dir (holding the adapter file) apply the adapter."""
        from mlx_lm import load  # noqa: PLC0415 - heavy, and only where MLX runs

        adapter = adapter_dir if adapter_dir and (adapter_dir / ADAPTER_FILE).is_file() else None
        self.adapted = adapter is not None
        self.model, self.tokenizer = load(model_dir, adapter_path=str(adapter) if adapter else None)
        # mlx models are not meant for two threads at once.
        self._lock = threading.Lock()
        # Every token a text could spell to forge a chat turn: the special
        # ones and those added to the vocabulary (role markers), longest first.
        added = getattr(self.tokenizer, "get_added_vocab", dict)()
        special = getattr(self.tokenizer, "all_special_tokens", [])
        self._specials = sorted({t for t in [*added, *special] if t}, key=len, reverse=True)

    def plain(self, text: str) -> str:
        """Return text without the tokenizer's special tokens (no forged chat turns)."""
        specials = self._specials
        for _ in range(3):  # removing one may join the pieces of another
            for token in specials:
                text = text.replace(token, "")
        return text

    def prompt(self, question: str, persona: str = DEFAULT_PERSONA) -> list[int]:
        """Return the chat prompt's tokens, as the fine-tune's training formatted them."""
        messages = [
            {"role": "system", "content": self.plain(persona)},
            {"role": "user", "content": self.plain(question)},
        ]
        tokens = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True)
        return list(tokens)

    def answer(self, question: str, persona: str = DEFAULT_PERSONA) -> str:
        """Return the model's (greedy) answer, checked like any untrusted output."""
        from mlx_lm import generate  # noqa: PLC0415

        question = clean_text(question, 500, single_line=False)
        with self._lock:
            raw = generate(
                self.model, self.tokenizer, self.prompt(question, persona), max_tokens=MAX_TOKENS
            )
        text = raw.split(self.tokenizer.eos_token or "\0")[0] if raw else ""
        answer = clean_text(text, ANSWER_MAX, single_line=False)
        if not answer.strip():
            raise UntrustedOutputError("empty answer")
        return answer

    def log_likelihood(self, question: str, reply: str, persona: str = DEFAULT_PERSONA) -> float:
        """Return the mean log probability per token of reply after the question."""
        import mlx.core as mx  # noqa: PLC0415

        prompt = self.prompt(question, persona)
        reply_tokens = list(self.tokenizer.encode(reply, add_special_tokens=False))
        if not reply_tokens:
            return 0.0
        tokens = prompt + reply_tokens
        with self._lock:
            logits = self.model(mx.array(tokens[:-1])[None])[0]
            logprobs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
            picked = logprobs[mx.arange(len(prompt) - 1, len(tokens) - 1), mx.array(reply_tokens)]
            return float(mx.mean(picked).item())


def measure_shift(
    model_dir: str, adapter_dir: Path, examples: Sequence[Mapping[str, Any]]
) -> Shift | None:
    """Return how the adapter moved the likelihood of the examples' assistant replies."""
    pairs = [
        (m[-2]["content"], m[-1]["content"], m[0]["content"] if m[0]["role"] == "system" else "")
        for m in (example.get("messages", []) for example in examples)
        if len(m) >= 2 and m[-1].get("role") == "assistant"
    ]
    if not pairs:
        return None
    scores = []
    for adapter in (None, adapter_dir):
        # One copy of the model at a time: small machines have little memory.
        answerer = AdaptedAnswerer(model_dir, adapter)
        total = sum(answerer.log_likelihood(q, r, p or DEFAULT_PERSONA) for q, r, p in pairs)
        scores.append(total / len(pairs))
        del answerer
        gc.collect()
    return Shift(scores[0], scores[1])
