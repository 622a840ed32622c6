"""Track A: a contextual bandit that learns how AisthOS should speak and notify.

A style is three choices: length (brief | detailed), form (prose | list) and
initiative (quiet | proactive). The context is the time of day (night,
morning, afternoon, evening), weekday or weekend, and the channel (voice,
notification, chat): 24 buckets.

Why this algorithm: a household reacts a few times a day, so the bandit has to
be right after tens of interactions, not thousands. Thompson sampling explores
only while it is unsure and needs no schedule to tune. Each (dimension,
option) arm has a Bayesian linear model of its reward over one-hot context
features with a hierarchy of Gaussian priors: a shared intercept (all
contexts), broad effects of time of day, day type and channel, and a tightly
shrunk term per full bucket. A bucket never seen borrows everything from the
pooled terms; with data of its own it may deviate. A tabular bandit would
start from zero in each of the 24 buckets; this one learns "brief in the
morning" from mornings on any channel and any day.

The three dimensions are learned as separate arms (a factored bandit): 2+2+2
arms instead of 8 joint styles per context, so each reaction teaches all three
at once. Explicit reactions ("shorter please") say which option wins, so they
update both options of that one dimension. Since the features are a fixed
function of the bucket, the posterior follows from per-bucket weights and
reward sums: the state is 288 bounded numbers, about 2 KB of JSON in the
portable User Wisdom file, and it holds nothing that was said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]

# The first option of each dimension is the default (best() with no evidence).
DIMENSIONS: Final[Mapping[str, tuple[str, str]]] = {
    "length": ("brief", "detailed"),
    "form": ("prose", "list"),
    "initiative": ("quiet", "proactive"),
}
TIMES: Final = ("night", "morning", "afternoon", "evening")
DAYS: Final = ("weekday", "weekend")
CHANNELS: Final = ("voice", "notification", "chat")
BUCKETS: Final = len(TIMES) * len(DAYS) * len(CHANNELS)
STATE_VERSION: Final = 1

# Rewards live in [0, 1]; a Bernoulli reaction has at most this variance.
NOISE_VARIANCE: Final = 0.25
PRIOR_MEAN: Final = 0.5
# Prior standard deviations per level of the hierarchy: the pooled intercept is
# free, the broad context effects moderate, a single bucket's own term small.
PRIOR_SD_INTERCEPT: Final = 0.5
PRIOR_SD_EFFECT: Final = 0.25
PRIOR_SD_BUCKET: Final = 0.1
EXPLORATION = 1.0
# Evidence kept per arm and bucket: older evidence is scaled down beyond it, so
# a changed taste is followed within weeks and the stored numbers stay bounded.
MAX_WEIGHT: Final = 40.0
# An explicit "shorter" names the winner: worth two thumbs.
EXPLICIT_WEIGHT: Final = 2.0

# Reaction kind -> updates (dimension or None for every dimension, option or
# None for the chosen one, reward, weight).
type Update = tuple[str | None, str | None, float, float]
FEEDBACK: Final[Mapping[str, tuple[Update, ...]]] = {
    "helpful": ((None, None, 1.0, 1.0),),
    "not_helpful": ((None, None, 0.0, 1.0),),
    "shorter": (
        ("length", "brief", 1.0, EXPLICIT_WEIGHT),
        ("length", "detailed", 0.0, EXPLICIT_WEIGHT),
    ),
    "more_detail": (
        ("length", "detailed", 1.0, EXPLICIT_WEIGHT),
        ("length", "brief", 0.0, EXPLICIT_WEIGHT),
    ),
    "approved": (("initiative", "proactive", 1.0, 1.0),),
    # A rejected proposal may be a bad proposal rather than unwelcome initiative.
    "rejected": (("initiative", "proactive", 0.0, 0.5),),
    "dismissed": (("initiative", "proactive", 0.0, 1.0),),
}

_DIMS: Final = tuple(DIMENSIONS)
_ARMS: Final = 2 * len(_DIMS)


def time_of_day(hour: int) -> str:
    """Return the time-of-day bucket of a local hour (0-23)."""
    if hour < 6 or hour >= 22:
        return "night"
    if hour < 12:
        return "morning"
    if hour < 18:
        return "afternoon"
    return "evening"


@dataclass(frozen=True, slots=True)
class StyleContext:
    """When and where AisthOS is about to speak."""

    hour: int
    weekend: bool
    channel: str

    def __post_init__(self) -> None:
        """Reject contexts the bandit has no bucket for."""
        if isinstance(self.hour, bool) or not isinstance(self.hour, int):
            raise TypeError("hour must be an int")
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour out of range: {self.hour}")
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel: {self.channel!r}")

    @property
    def bucket(self) -> int:
        """Return the index of the context bucket (0 .. BUCKETS - 1)."""
        time = TIMES.index(time_of_day(self.hour))
        return (time * len(DAYS) + int(self.weekend)) * len(CHANNELS) + CHANNELS.index(self.channel)


@dataclass(frozen=True, slots=True)
class Style:
    """How to say it: one option per dimension."""

    length: str = "brief"
    form: str = "prose"
    initiative: str = "quiet"

    def __post_init__(self) -> None:
        """Reject unknown options."""
        for dim, options in DIMENSIONS.items():
            if getattr(self, dim) not in options:
                raise ValueError(f"unknown {dim}: {getattr(self, dim)!r}")

    def option(self, dimension: str) -> str:
        """Return the chosen option of a dimension."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension: {dimension!r}")
        return str(getattr(self, dimension))


def _design() -> FloatArray:
    """Return the one-hot features of each bucket (rows) over the hierarchy."""
    columns = 1 + len(TIMES) + len(DAYS) + len(CHANNELS) + BUCKETS
    design = np.zeros((BUCKETS, columns))
    for time in range(len(TIMES)):
        for day in range(len(DAYS)):
            for channel in range(len(CHANNELS)):
                bucket = (time * len(DAYS) + day) * len(CHANNELS) + channel
                offset = 1 + len(TIMES)
                design[bucket, [0, 1 + time, offset + day, offset + len(DAYS) + channel]] = 1.0
                design[bucket, columns - BUCKETS + bucket] = 1.0
    return design


_DESIGN: Final = _design()
_PRIOR_PRECISION: Final = np.concatenate(
    [
        [PRIOR_SD_INTERCEPT**-2],
        np.full(len(TIMES) + len(DAYS) + len(CHANNELS), PRIOR_SD_EFFECT**-2),
        np.full(BUCKETS, PRIOR_SD_BUCKET**-2),
    ]
)
# Prior mean PRIOR_MEAN on the intercept, zero on every effect.
_PRIOR_SHIFT: Final = np.zeros(_DESIGN.shape[1])
_PRIOR_SHIFT[0] = PRIOR_MEAN * _PRIOR_PRECISION[0]


class StyleBandit:
    """Thompson sampling over the three style dimensions, per context."""

    def __init__(self, seed: int | None = None) -> None:
        """Start with no evidence; `seed` makes the choices reproducible."""
        self._rng = np.random.default_rng(seed)
        # Per arm (dimension, option) and bucket: weight of evidence, reward sum.
        self._weight: FloatArray = np.zeros((_ARMS, BUCKETS))
        self._reward: FloatArray = np.zeros((_ARMS, BUCKETS))
        self._fitted: tuple[FloatArray, FloatArray] | None = None

    # ---- choosing ------------------------------------------------------------

    def choose(self, ctx: StyleContext) -> Style:
        """Return the style to use now (explores while unsure)."""
        mean, var = self._posterior(ctx.bucket)
        sample = mean + EXPLORATION * np.sqrt(var) * self._rng.standard_normal(_ARMS)
        return self._pick(sample)

    def best(self, ctx: StyleContext) -> Style:
        """Return the style believed best, without exploring (for explaining)."""
        return self._pick(self._posterior(ctx.bucket)[0])

    def expected(self, ctx: StyleContext) -> dict[str, dict[str, float]]:
        """Return the expected reward of each option in a context."""
        mean = self._posterior(ctx.bucket)[0]
        return {
            dim: {option: float(mean[2 * d + o]) for o, option in enumerate(DIMENSIONS[dim])}
            for d, dim in enumerate(_DIMS)
        }

    @staticmethod
    def _pick(values: FloatArray) -> Style:
        # Ties go to the first (default) option.
        chosen = [
            DIMENSIONS[dim][int(values[2 * d + 1] > values[2 * d])] for d, dim in enumerate(_DIMS)
        ]
        return Style(*chosen)

    def _posterior(self, bucket: int) -> tuple[FloatArray, FloatArray]:
        """Return the posterior mean and variance of every arm's reward in a bucket."""
        mean, cov = self._fit()
        features = _DESIGN[bucket]
        return mean @ features, np.maximum(cov @ features @ features, 0.0)

    def _fit(self) -> tuple[FloatArray, FloatArray]:
        """Return each arm's posterior mean and covariance over the features."""
        if self._fitted is None:
            # Gaussian posterior from the per-bucket sums: the design is fixed.
            precision = np.einsum("ab,bi,bj->aij", self._weight, _DESIGN, _DESIGN)
            precision = precision / NOISE_VARIANCE + np.diag(_PRIOR_PRECISION)
            cov = np.linalg.inv(precision)
            shift = self._reward @ _DESIGN / NOISE_VARIANCE + _PRIOR_SHIFT
            self._fitted = (np.einsum("aij,aj->ai", cov, shift), cov)
        return self._fitted

    # ---- learning ------------------------------------------------------------

    def reward(
        self,
        ctx: StyleContext,
        style: Style,
        value: float,
        dimension: str | None = None,
        weight: float = 1.0,
    ) -> None:
        """Learn that `style` earned `value` (0..1) in `ctx`.

        With `dimension`, only that dimension's chosen option is credited.
        """
        if dimension is not None and dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension: {dimension!r}")
        for dim in (dimension,) if dimension else _DIMS:
            self._learn(ctx.bucket, dim, style.option(dim), value, weight)

    def feedback(self, ctx: StyleContext, style: Style, kind: str) -> None:
        """Learn from a reaction: one of FEEDBACK's kinds."""
        updates = FEEDBACK.get(kind)
        if updates is None:
            raise ValueError(f"unknown feedback: {kind!r}")
        for dimension, option, value, weight in updates:
            for dim in (dimension,) if dimension else _DIMS:
                chosen = option if option is not None else style.option(dim)
                self._learn(ctx.bucket, dim, chosen, value, weight)

    def _learn(self, bucket: int, dimension: str, option: str, value: float, weight: float) -> None:
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"reward must be within [0, 1]: {value!r}")
        if not (math.isfinite(weight) and 0.0 < weight <= MAX_WEIGHT):
            raise ValueError(f"weight must be within (0, {MAX_WEIGHT:g}]: {weight!r}")
        arm = 2 * _DIMS.index(dimension) + DIMENSIONS[dimension].index(option)
        total = self._weight[arm, bucket] + weight
        # Past the cap, older evidence fades in proportion.
        keep = min(1.0, (MAX_WEIGHT - weight) / (total - weight)) if total > MAX_WEIGHT else 1.0
        self._weight[arm, bucket] = self._weight[arm, bucket] * keep + weight
        self._reward[arm, bucket] = self._reward[arm, bucket] * keep + weight * value
        self._fitted = None

    # ---- persistence -----------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return a compact JSON-ready dict (a few KB at most)."""
        arms: dict[str, dict[str, dict[str, list[float]]]] = {}
        for d, dim in enumerate(_DIMS):
            arms[dim] = {}
            for o, option in enumerate(DIMENSIONS[dim]):
                weights = [round(float(w), 4) for w in self._weight[2 * d + o]]
                sums = [
                    min(round(float(s), 4), w)
                    for s, w in zip(self._reward[2 * d + o], weights, strict=True)
                ]
                arms[dim][option] = {"n": _compact(weights), "s": _compact(sums)}
        return {"version": STATE_VERSION, "arms": arms}

    @classmethod
    def from_dict(cls, data: Any, seed: int | None = None) -> StyleBandit:
        """Rebuild from as_dict(); raise ValueError on anything malformed."""
        _keys(data, {"version", "arms"}, "state")
        version = data["version"]
        if isinstance(version, bool) or version != STATE_VERSION:
            raise ValueError(f"unsupported state version: {version!r}")
        arms = data["arms"]
        _keys(arms, set(DIMENSIONS), "arms")
        bandit = cls(seed)
        for d, dim in enumerate(_DIMS):
            _keys(arms[dim], set(DIMENSIONS[dim]), dim)
            for o, option in enumerate(DIMENSIONS[dim]):
                entry = arms[dim][option]
                _keys(entry, {"n", "s"}, f"{dim}.{option}")
                weights = _numbers(entry["n"], f"{dim}.{option}.n")
                sums = _numbers(entry["s"], f"{dim}.{option}.s")
                if any(s > w for s, w in zip(sums, weights, strict=True)):
                    raise ValueError(f"{dim}.{option}: reward sum above its weight")
                bandit._weight[2 * d + o] = weights
                bandit._reward[2 * d + o] = sums
        return bandit


def _compact(values: list[float]) -> list[float]:
    """Return whole numbers as ints: shorter JSON."""
    return [int(v) if v == int(v) else v for v in values]


def _keys(value: Any, expected: set[str], what: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected an object")  # noqa: TRY004 (one error type for callers)
    if set(value) != expected:
        raise ValueError(f"{what}: expected exactly the keys {sorted(expected)}")


def _numbers(value: Any, what: str) -> list[float]:
    """Return BUCKETS finite numbers within [0, MAX_WEIGHT], or raise ValueError."""
    if not isinstance(value, list | tuple) or len(value) != BUCKETS:
        raise ValueError(f"{what}: expected a list of {BUCKETS} numbers")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError(f"{what}: not a number: {item!r}")  # noqa: TRY004
        number = float(item)
        if not (math.isfinite(number) and 0.0 <= number <= MAX_WEIGHT):
            raise ValueError(f"{what}: out of range: {item!r}")
        out.append(number)
    return out
