"""Track A: a contextual bandit that learns how AisthOS should speak and notify.

A style is three choices: length (brief | detailed), form (prose | list) and
initiative (quiet | proactive). The context is the time of day (night,
morning, afternoon, evening), weekday or weekend, and the channel (voice,
notification, chat): 24 buckets.

A household reacts a few times a day, so the bandit has to be right after
tens of interactions, not thousands. It therefore reasons about what a
preference can plausibly look like instead of fitting 24 buckets apart:
each dimension's preference is the same everywhere, or depends on one of the
time of day, the day type or the channel ("brief in the morning", "lists in
chat"). Per dimension that is 2 + 16 + 4 + 8 = 30 hypotheses; with three
dimensions 27,000 joint hypotheses, over which the posterior is exact Bayes,
kept as one log-probability per hypothesis and updated in place with each
reaction. The prior says what households are like: many want one style
everywhere, many change their whole style with one thing (the channel, say),
the rest each dimension by its own context (PRIOR_* below).

How a reaction is read (the likelihood, fixed, not fitted to anyone):

- "helpful" / "not helpful" is about the whole style: "helpful" is likelier
  the more dimensions were right, from 15 % (none) to 85 % (all three). It is
  joint on purpose: a "not helpful" is blamed on the dimensions still in doubt.
- A statement about one dimension ("shorter please", "as a list", an
  approved or dismissed suggestion) says which option wins in that context;
  a statement of weight 1 is taken as right 80 % of the time, so a
  contradicting household is followed, not trusted blindly.

Choosing: per dimension the option more probably preferred in that context,
a coin flip while the two are within TIE of even. Greedy is enough here
because a wrong choice is what draws the corrections ("shorter please" only
follows a long answer): mistakes teach, so there is no need to pay for
deliberate exploration, which the household would feel.

A preference tied to one exact combination (brief only for voice in the
morning) is approximated by the closest one-context hypothesis.

The posterior follows from per-bucket sums: weights and reward sums per
(bucket, style) and per (dimension, bucket), 528 bounded numbers, about 3 KB
of JSON in the portable User Wisdom file, and nothing of what was said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import itertools
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]
type IntArray = npt.NDArray[np.intp]

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
STATE_VERSION: Final = 2

# What a dimension's preference may depend on: name -> how many values it has.
STRUCTURES: Final[Mapping[str, int]] = {
    "everywhere": 1,
    "time": len(TIMES),
    "day": len(DAYS),
    "channel": len(CHANNELS),
}
# The prior over what the three dimensions depend on: the same style
# everywhere; all three on the same one (any of STRUCTURES); the rest each
# dimension its own, uniformly. Within a structure every preference is equally
# likely. The two shares were compared on the benchmark's kinds of household,
# under another seed than the one it reports (bench/bandit.py prints harder
# households too); other values move its figure by a few points only.
PRIOR_ONE_STYLE: Final = 0.3
PRIOR_ONE_CONTEXT: Final = 0.3
# P("helpful") by how many of the three dimensions were right.
P_HELPFUL: Final = (0.15, 0.38, 0.62, 0.85)
# How often a one-dimension statement of weight 1 names the right option.
STATEMENT_RELIABILITY: Final = 0.8
# choose() flips a coin while a dimension's odds are this close to even.
TIE: Final = 0.05
# Evidence kept per (bucket, style) and per (dimension, bucket): beyond it the
# older evidence is scaled down, so a changed taste is followed within weeks
# and the stored numbers stay bounded.
MAX_WEIGHT: Final = 40.0

# Reaction kind -> (dimension or None for the whole style, option the reward
# is about or None for the chosen one, reward, weight).
type Update = tuple[str | None, str | None, float, float]
FEEDBACK: Final[Mapping[str, Update]] = {
    "helpful": (None, None, 1.0, 1.0),
    "not_helpful": (None, None, 0.0, 1.0),
    # Asked for in words: worth two thumbs.
    "shorter": ("length", "brief", 1.0, 2.0),
    "more_detail": ("length", "detailed", 1.0, 2.0),
    "as_list": ("form", "list", 1.0, 2.0),
    "as_prose": ("form", "prose", 1.0, 2.0),
    "quieter": ("initiative", "quiet", 1.0, 2.0),
    "more_proactive": ("initiative", "proactive", 1.0, 2.0),
    "approved": ("initiative", "proactive", 1.0, 1.0),
    # A rejected proposal may be a bad proposal rather than unwelcome initiative.
    "rejected": ("initiative", "proactive", 0.0, 0.5),
    "dismissed": ("initiative", "proactive", 0.0, 1.0),
}

# The spoken correction that asks for each option ("shorter" for brief).
CORRECTION: Final[Mapping[str, str]] = {
    "brief": "shorter",
    "detailed": "more_detail",
    "prose": "as_prose",
    "list": "as_list",
    "quiet": "quieter",
    "proactive": "more_proactive",
}

_DIMS: Final = tuple(DIMENSIONS)
# The 8 styles in a fixed order (the layout of the stored counts), and each
# style as option indexes per dimension.
_STYLES: Final = tuple(itertools.product(*DIMENSIONS.values()))
_STYLE_BITS: Final = np.array(
    [
        [DIMENSIONS[dim].index(option) for dim, option in zip(_DIMS, style, strict=True)]
        for style in _STYLES
    ]
)


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
        day = int(bool(self.weekend))
        return (time * len(DAYS) + day) * len(CHANNELS) + CHANNELS.index(self.channel)


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


def _hypotheses() -> tuple[npt.NDArray[np.int8], IntArray]:
    """Return one dimension's hypotheses: preferred option per bucket, structure."""
    values = np.zeros((BUCKETS, len(STRUCTURES)), dtype=np.intp)
    for time, day, channel in itertools.product(
        range(len(TIMES)), range(len(DAYS)), range(len(CHANNELS))
    ):
        values[(time * len(DAYS) + day) * len(CHANNELS) + channel] = (0, time, day, channel)
    prefers, structure = [], []
    for group, (_name, size) in enumerate(STRUCTURES.items()):
        for options in itertools.product((0, 1), repeat=size):
            prefers.append([options[values[bucket, group]] for bucket in range(BUCKETS)])
            structure.append(group)
    return np.asarray(prefers, dtype=np.int8), np.asarray(structure, dtype=np.intp)


def _log_prior(structure: IntArray) -> FloatArray:
    """Return the log prior of every joint hypothesis (30 x 30 x 30)."""
    kinds = len(STRUCTURES)
    joint = np.full((kinds,) * 3, (1.0 - PRIOR_ONE_STYLE - PRIOR_ONE_CONTEXT) / kinds**3)
    joint[0, 0, 0] += PRIOR_ONE_STYLE
    for kind in range(kinds):
        joint[kind, kind, kind] += PRIOR_ONE_CONTEXT / kinds
    # Spread each structure's share evenly over its preferences.
    within = -np.log(2.0) * np.asarray(list(STRUCTURES.values()), dtype=np.float64)[structure]
    log_prior: FloatArray = (
        np.log(joint)[structure[:, None, None], structure[None, :, None], structure[None, None, :]]
        + within[:, None, None]
        + within[None, :, None]
        + within[None, None, :]
    )
    return log_prior


# _PREFERS[h, bucket]: the option (0 or 1) hypothesis h prefers in the bucket.
_PREFERS, _STRUCTURE = _hypotheses()
_LOG_PRIOR: Final = _log_prior(_STRUCTURE)
_HYPOTHESES: Final = len(_PREFERS)
# Per bucket, the index of each joint hypothesis into a (2, 2, 2) table of
# "which option each dimension prefers here" (BUCKETS x 30 x 30 x 30).
_JOINT_INDEX: Final = (
    4 * _PREFERS.T[:, :, None, None]
    + 2 * _PREFERS.T[:, None, :, None]
    + _PREFERS.T[:, None, None, :]
).astype(np.intp)
# How many dimensions each style gets right under each of the 8 preferences.
_MATCHES: Final = (
    _STYLE_BITS[:, None, :]
    == np.asarray(list(itertools.product((0, 1), repeat=len(_DIMS))))[None, :, :]
).sum(axis=2)  # (styles, preferences)
_LOG_HELPFUL: Final = np.log(np.asarray(P_HELPFUL))[_MATCHES]
_LOG_UNHELPFUL: Final = np.log(1.0 - np.asarray(P_HELPFUL))[_MATCHES]
_STATEMENT_LOGIT: Final = math.log(STATEMENT_RELIABILITY / (1.0 - STATEMENT_RELIABILITY))


class StyleBandit:
    """Exact Bayes over what each style dimension depends on; greedy choices."""

    def __init__(self, seed: int | None = None) -> None:
        """Start with no evidence; `seed` makes the coin flips reproducible."""
        self._rng = np.random.default_rng(seed)
        # Whole-style rewards per (bucket, style): weight and reward sum.
        self._style_n: FloatArray = np.zeros((BUCKETS, len(_STYLES)))
        self._style_s: FloatArray = np.zeros((BUCKETS, len(_STYLES)))
        # One-dimension rewards per (dimension, bucket): weight and the sum of
        # ±(2 reward - 1), positive when the second option won.
        self._dim_n: FloatArray = np.zeros((len(_DIMS), BUCKETS))
        self._dim_s: FloatArray = np.zeros((len(_DIMS), BUCKETS))
        # Log posterior of every joint hypothesis (length, form, initiative),
        # up to a constant.
        self._log: FloatArray = _LOG_PRIOR.copy()
        self._marginals: FloatArray | None = None

    # ---- choosing ------------------------------------------------------------

    def choose(self, ctx: StyleContext) -> Style:
        """Return the style to use now: the likelier option, a coin flip when even."""
        chance = self._chance(ctx.bucket)
        picks = [
            int(self._rng.random() < 0.5) if abs(p - 0.5) < TIE else int(p > 0.5) for p in chance
        ]
        return _style(picks)

    def best(self, ctx: StyleContext) -> Style:
        """Return the style believed best, without coin flips (for explaining)."""
        return _style([int(p > 0.5) for p in self._chance(ctx.bucket)])

    def confidence(self, ctx: StyleContext) -> dict[str, float]:
        """Return, per dimension, the probability that best()'s option is right."""
        return {
            dim: max(p, 1.0 - p) for dim, p in zip(_DIMS, self._chance(ctx.bucket), strict=True)
        }

    def _chance(self, bucket: int) -> list[float]:
        """Return, per dimension, the probability that its second option is preferred."""
        if self._marginals is None:
            weights = np.exp(self._log - self._log.max())
            weights /= weights.sum()
            self._marginals = np.stack(
                [weights.sum(axis=(1, 2)), weights.sum(axis=(0, 2)), weights.sum(axis=(0, 1))]
            )
        # Rounded so that exact ties (no evidence) stay exact.
        return [round(float(p), 12) for p in self._marginals @ _PREFERS[:, bucket]]

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

        With `dimension`, the reward is about that dimension's option alone:
        1 means it beat the other option, 0 that the other one would have been
        better (an explicit "shorter please" after a detailed answer is a
        reward 1 for "brief").
        """
        if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
            raise ValueError(f"reward must be within [0, 1]: {value!r}")
        if not (isinstance(weight, int | float) and 0.0 < weight <= MAX_WEIGHT):
            raise ValueError(f"weight must be within (0, {MAX_WEIGHT:g}]: {weight!r}")
        bucket = ctx.bucket
        if dimension is None:
            index = _STYLES.index((style.length, style.form, style.initiative))
            dn, ds = _add(self._style_n[bucket], self._style_s[bucket], index, value, weight)
            self._learn_style(bucket, index, dn, ds)
        else:
            d = _DIMS.index(dimension) if dimension in DIMENSIONS else -1
            if d < 0:
                raise ValueError(f"unknown dimension: {dimension!r}")
            sign = 1.0 if DIMENSIONS[dimension].index(style.option(dimension)) else -1.0
            value = sign * (2.0 * value - 1.0)
            _dn, ds = _add(self._dim_n[d], self._dim_s[d], bucket, value, weight)
            self._learn_dimension(d, bucket, ds)

    def feedback(self, ctx: StyleContext, style: Style, kind: str) -> None:
        """Learn from a reaction: one of FEEDBACK's kinds."""
        update = FEEDBACK.get(kind)
        if update is None:
            raise ValueError(f"unknown feedback: {kind!r}")
        dimension, option, value, weight = update
        if dimension is not None and option is not None:
            style = Style(**{**_as_fields(style), dimension: option})
        self.reward(ctx, style, value, dimension, weight)

    def _learn_style(self, bucket: int, style: int, weight: float, helpful: float) -> None:
        """Add the log likelihood of whole-style evidence (weight, helpful sum)."""
        table = helpful * _LOG_HELPFUL[style] + (weight - helpful) * _LOG_UNHELPFUL[style]
        self._log += table[_JOINT_INDEX[bucket]]
        self._marginals = None

    def _learn_dimension(self, d: int, bucket: int, signed: float) -> None:
        """Add the log likelihood of one-dimension statements (their signed sum)."""
        # Each unit of weight for the option h prefers adds log q, against it
        # log(1 - q): relative to the average that is ±½ logit(q).
        column = 0.5 * _STATEMENT_LOGIT * signed * (2.0 * _PREFERS[:, bucket] - 1.0)
        shape = [1, 1, 1]
        shape[d] = _HYPOTHESES
        self._log += column.reshape(shape)
        self._marginals = None

    # ---- persistence -----------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return a compact JSON-ready dict (a few KB at most)."""
        styles = [
            [[_round(n), _round(min(s, n))] for n, s in zip(row_n, row_s, strict=True)]
            for row_n, row_s in zip(self._style_n, self._style_s, strict=True)
        ]
        dims = {
            dim: [
                [_round(n), _round(max(-n, min(s, n)))]
                for n, s in zip(self._dim_n[d], self._dim_s[d], strict=True)
            ]
            for d, dim in enumerate(_DIMS)
        }
        return {"version": STATE_VERSION, "styles": styles, "dimensions": dims}

    @classmethod
    def from_dict(cls, data: Any, seed: int | None = None) -> StyleBandit:
        """Rebuild from as_dict(); raise ValueError on anything malformed."""
        bandit = cls(seed)
        try:
            bandit._load(data)
        except ValueError as err:
            raise ValueError(f"bad style bandit state: {err}") from None
        return bandit

    def _load(self, data: Any) -> None:
        """Take the sums of as_dict(), checking every shape, type and range."""
        _keys(data, {"version", "styles", "dimensions"}, "state")
        version = data["version"]
        if type(version) is not int or version != STATE_VERSION:
            raise ValueError(f"unsupported version: {version!r}")
        rows = _sequence(data["styles"], BUCKETS, "styles")
        for bucket, row in enumerate(rows):
            for index, pair in enumerate(_sequence(row, len(_STYLES), "styles row")):
                n, s = _pair(pair, "styles", signed=False)
                self._style_n[bucket, index] = n
                self._style_s[bucket, index] = s
        dims = data["dimensions"]
        _keys(dims, set(_DIMS), "dimensions")
        for d, dim in enumerate(_DIMS):
            for bucket, pair in enumerate(_sequence(dims[dim], BUCKETS, dim)):
                n, s = _pair(pair, dim, signed=True)
                self._dim_n[d, bucket] = n
                self._dim_s[d, bucket] = s
        for bucket, index in zip(*np.nonzero(self._style_n), strict=True):
            n, s = self._style_n[bucket, index], self._style_s[bucket, index]
            self._learn_style(int(bucket), int(index), float(n), float(s))
        for d, bucket in zip(*np.nonzero(self._dim_s), strict=True):
            self._learn_dimension(int(d), int(bucket), float(self._dim_s[d, bucket]))


def _style(options: list[int]) -> Style:
    """Return the style of one option index per dimension."""
    return Style(*(DIMENSIONS[dim][o] for dim, o in zip(_DIMS, options, strict=True)))


def _as_fields(style: Style) -> dict[str, str]:
    return {dim: style.option(dim) for dim in _DIMS}


def _add(
    weights: FloatArray, sums: FloatArray, index: int, value: float, weight: float
) -> tuple[float, float]:
    """Add weighted evidence and return the change of (weight, sum).

    Past MAX_WEIGHT, older evidence fades in proportion.
    """
    old, old_sum = float(weights[index]), float(sums[index])
    keep = (MAX_WEIGHT - weight) / old if old + weight > MAX_WEIGHT else 1.0
    weights[index] = old * keep + weight
    sums[index] = old_sum * keep + weight * value
    return float(weights[index]) - old, float(sums[index]) - old_sum


def _round(value: float) -> float | int:
    """Return a short JSON number: 3 decimals, whole numbers as ints."""
    rounded = round(float(value), 3)
    return int(rounded) if rounded == int(rounded) else rounded


def _keys(value: Any, expected: set[str], what: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected an object")  # noqa: TRY004 (one error type)
    if len(value) != len(expected) or set(value) != expected:
        raise ValueError(f"{what}: expected exactly the keys {sorted(expected)}")


def _sequence(value: Any, length: int, what: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple) or len(value) != length:
        raise ValueError(f"{what}: expected a list of {length}")
    return value


def _pair(value: Any, what: str, signed: bool) -> tuple[float, float]:
    """Return a validated [weight, sum]: finite, weight in [0, MAX], |sum| <= weight."""
    n, s = (_number(item, what) for item in _sequence(value, 2, what))
    if not 0.0 <= n <= MAX_WEIGHT:
        raise ValueError(f"{what}: weight out of range: {n!r}")
    if not (-n if signed else 0.0) <= s <= n:
        raise ValueError(f"{what}: sum out of range: {s!r}")
    return n, s


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: not a number: {value!r}")  # noqa: TRY004
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{what}: not finite: {value!r}")
    return number
