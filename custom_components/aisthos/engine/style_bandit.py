"""Track A: a contextual bandit that learns how AisthOS should speak and notify.

A style is three choices: length (brief | detailed), form (prose | list) and
initiative (quiet | proactive). The context is the time of day (night,
morning, afternoon, evening), weekday or weekend, and the channel (voice,
notification, chat): 24 buckets.

Why this algorithm: a household reacts a few times a day, so the bandit has to
be right after tens of interactions, not thousands. It is Thompson sampling on
one joint Bayesian linear model of the reward:

    reward(style, ctx) = base(ctx) + sum over dimensions of ±½ effect_d(ctx)

where effect_d is how much the second option of dimension d beats the first.
Joint, because a "not helpful" for a whole style is blamed on the dimensions
still in doubt, not spread evenly (explaining away): on the users of
bench/bandit.py, three independent per-dimension bandits had every dimension
right around interaction 20 in about 45 % of choices, this model in 56 %.
Explicit reactions ("shorter please", a dismissed notification) say which
option of one dimension wins: they are observations of that effect alone.

Each term is an intercept pooled over all contexts plus additive effects of
time of day, day type and channel. Whether those effects matter is itself
learned: the posterior is averaged over 8 priors (each of the three context
groups either free to matter or held near zero), weighted by how well each
explains the reactions so far (the marginal likelihood, Bayes' Occam's razor).
So a user who wants the same everywhere is learned at full pooling speed, and
"brief in the morning" takes over once the mornings disagree with the
evenings, learned from mornings on any channel and day, where a tabular
bandit would start from zero in each of the 24 buckets. A preference tied to
one exact combination (brief only for voice in the morning) is approximated.

The posterior follows from per-bucket sums: counts and reward sums per
(bucket, style) and per (dimension, bucket), 528 bounded numbers, about 3 KB
of JSON in the portable User Wisdom file, and nothing of what was said.
Sampling shrinks the posterior spread by EXPLORATION < 1: every exploratory
style costs the user something, and a shrunk spread is a known practical gain
for Thompson sampling on short horizons (Chapelle & Li, 2011).
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

# Rewards live in [0, 1]; a Bernoulli reaction has at most this variance.
NOISE_VARIANCE: Final = 0.25
# Prior standard deviations: the pooled intercepts are free; a group of context
# effects (time of day, day type, channel) either matters or stays near zero.
PRIOR_SD_INTERCEPT: Final = 0.5
PRIOR_SD_MATTERS: Final = 0.4
PRIOR_SD_IGNORED: Final = 0.03
# A dimension-only reward of 1 ("shorter please") reads as "this option earns
# EXPLICIT_GAP more reward than the other": a plain statement, taken at face value.
EXPLICIT_GAP: Final = 1.0
# Scale of the posterior spread when sampling (1 = plain Thompson sampling).
EXPLORATION: Final = 0.25
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

_DIMS: Final = tuple(DIMENSIONS)
# The 8 styles in a fixed order (the layout of the stored counts).
_STYLES: Final = tuple(itertools.product(*DIMENSIONS.values()))
# Each style's coding: 1 for the base, then -½ / +½ per dimension.
_CODES: Final = np.array(
    [
        [1.0]
        + [DIMENSIONS[dim].index(option) - 0.5 for dim, option in zip(_DIMS, style, strict=True)]
        for style in _STYLES
    ]
)
_TERMS: Final = 1 + len(_DIMS)


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


def _design() -> FloatArray:
    """Return the one-hot features of each bucket (rows): intercept, time, day, channel."""
    design = np.zeros((BUCKETS, 1 + len(TIMES) + len(DAYS) + len(CHANNELS)))
    for time, day, channel in itertools.product(
        range(len(TIMES)), range(len(DAYS)), range(len(CHANNELS))
    ):
        bucket = (time * len(DAYS) + day) * len(CHANNELS) + channel
        offset = 1 + len(TIMES)
        design[bucket, [0, 1 + time, offset + day, offset + len(DAYS) + channel]] = 1.0
    return design


def _priors() -> FloatArray:
    """Return the prior precisions of every (term, feature), one row per structure."""
    rows = []
    for matters in itertools.product((False, True), repeat=3):
        groups = [
            np.full(size, (PRIOR_SD_MATTERS if free else PRIOR_SD_IGNORED) ** -2)
            for size, free in zip((len(TIMES), len(DAYS), len(CHANNELS)), matters, strict=True)
        ]
        rows.append(np.tile(np.concatenate([[PRIOR_SD_INTERCEPT**-2], *groups]), _TERMS))
    return np.asarray(rows)


_DESIGN: Final = _design()
_FEATURES: Final = _DESIGN.shape[1]
_SIZE: Final = _TERMS * _FEATURES
# Outer products of each bucket's features: the Gram matrix is a weighted sum.
_OUTER: Final = np.einsum("bi,bj->bij", _DESIGN, _DESIGN).reshape(BUCKETS, -1)
_PRIORS: Final = _priors()
# Prior means: an even chance of "helpful" for the base, no effect anywhere
# (the same in every structure, so it drops out of their comparison).
_PRIOR_SHIFT: Final = np.zeros(_SIZE)
_PRIOR_SHIFT[0] = 0.5 * PRIOR_SD_INTERCEPT**-2


@dataclass(frozen=True, slots=True)
class _Posterior:
    """The fitted model: per structure its weight, mean and covariance."""

    weights: FloatArray  # (structures,)
    means: FloatArray  # (structures, size)
    covs: FloatArray  # (structures, size, size)

    def effects(self, bucket: int) -> tuple[FloatArray, FloatArray]:
        """Return per structure the mean (3) and covariance (3x3) of the effects."""
        features = _DESIGN[bucket]
        means = self.means.reshape(-1, _TERMS, _FEATURES)[:, 1:] @ features
        blocks = self.covs.reshape(-1, _TERMS, _FEATURES, _TERMS, _FEATURES)[:, 1:, :, 1:]
        covs = np.einsum("i,spiqj,j->spq", features, blocks, features)
        return means, covs


class StyleBandit:
    """Thompson sampling over the three style dimensions, per context."""

    def __init__(self, seed: int | None = None) -> None:
        """Start with no evidence; `seed` makes the choices reproducible."""
        self._rng = np.random.default_rng(seed)
        # Whole-style rewards per (bucket, style): weight and reward sum.
        self._style_n: FloatArray = np.zeros((BUCKETS, len(_STYLES)))
        self._style_s: FloatArray = np.zeros((BUCKETS, len(_STYLES)))
        # One-dimension rewards per (dimension, bucket): weight and the sum of
        # ±(2 reward - 1), positive when the second option won.
        self._dim_n: FloatArray = np.zeros((len(_DIMS), BUCKETS))
        self._dim_s: FloatArray = np.zeros((len(_DIMS), BUCKETS))
        self._fitted: _Posterior | None = None

    # ---- choosing ------------------------------------------------------------

    def choose(self, ctx: StyleContext) -> Style:
        """Return the style to use now (explores while unsure)."""
        posterior = self._fit()
        means, covs = posterior.effects(ctx.bucket)
        k = int(self._rng.choice(len(posterior.weights), p=posterior.weights))
        spread = np.linalg.cholesky(covs[k] + 1e-12 * np.eye(len(_DIMS)))
        return _pick(means[k] + EXPLORATION * spread @ self._rng.standard_normal(len(_DIMS)))

    def best(self, ctx: StyleContext) -> Style:
        """Return the style believed best, without exploring (for explaining)."""
        posterior = self._fit()
        return _pick(posterior.weights @ posterior.effects(ctx.bucket)[0])

    def confidence(self, ctx: StyleContext) -> dict[str, float]:
        """Return, per dimension, the probability that best()'s option is right."""
        posterior = self._fit()
        means, covs = posterior.effects(ctx.bucket)
        sds = np.sqrt(np.maximum(np.diagonal(covs, axis1=1, axis2=2), 1e-18))
        best = posterior.weights @ means
        out = {}
        for d, dim in enumerate(_DIMS):
            # P(effect > 0) under the mixture, then for the side best() took.
            above = sum(
                float(w) * 0.5 * (1.0 + math.erf(float(m) / float(s) / math.sqrt(2.0)))
                for w, m, s in zip(posterior.weights, means[:, d], sds[:, d], strict=True)
            )
            out[dim] = above if best[d] > 0 else 1.0 - above
        return out

    def _fit(self) -> _Posterior:
        """Return the posterior under every structure, weighted by its evidence."""
        if self._fitted is not None:
            return self._fitted
        gram = np.einsum("bs,sp,sq->bpq", self._style_n, _CODES, _CODES)
        target = self._style_s @ _CODES
        for d in range(len(_DIMS)):
            gram[:, d + 1, d + 1] += self._dim_n[d]
            target[:, d + 1] += EXPLICIT_GAP * self._dim_s[d]
        # Kronecker structure: (term, feature) x (term, feature).
        data = (gram.reshape(BUCKETS, -1).T @ _OUTER).reshape(_TERMS, _TERMS, _FEATURES, _FEATURES)
        data = data.transpose(0, 2, 1, 3).reshape(_SIZE, _SIZE) / NOISE_VARIANCE
        shift = (target.T @ _DESIGN).reshape(_SIZE) / NOISE_VARIANCE + _PRIOR_SHIFT
        precisions = data + _PRIORS[:, :, None] * np.eye(_SIZE)
        covs = np.linalg.inv(precisions)
        means = covs @ shift
        # Log marginal likelihood, up to what all structures share.
        logdet = np.linalg.slogdet(precisions)[1]
        evidence = 0.5 * (means @ shift - logdet + np.log(_PRIORS).sum(axis=1))
        weights = np.exp(evidence - evidence.max())
        self._fitted = _Posterior(
            weights / weights.sum(), means, (covs + covs.transpose(0, 2, 1)) / 2
        )
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
            _add(self._style_n[bucket], self._style_s[bucket], index, value, weight)
        else:
            d = _DIMS.index(dimension) if dimension in DIMENSIONS else -1
            if d < 0:
                raise ValueError(f"unknown dimension: {dimension!r}")
            sign = 1.0 if DIMENSIONS[dimension].index(style.option(dimension)) else -1.0
            _add(self._dim_n[d], self._dim_s[d], bucket, sign * (2.0 * value - 1.0), weight)
        self._fitted = None

    def feedback(self, ctx: StyleContext, style: Style, kind: str) -> None:
        """Learn from a reaction: one of FEEDBACK's kinds."""
        update = FEEDBACK.get(kind)
        if update is None:
            raise ValueError(f"unknown feedback: {kind!r}")
        dimension, option, value, weight = update
        if dimension is not None and option is not None:
            style = Style(**{**_as_fields(style), dimension: option})
        self.reward(ctx, style, value, dimension, weight)

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


def _pick(effects: FloatArray) -> Style:
    """Return the style an effect per dimension points to (ties: the default)."""
    return Style(*(DIMENSIONS[dim][int(e > 0)] for dim, e in zip(_DIMS, effects, strict=True)))


def _as_fields(style: Style) -> dict[str, str]:
    return {dim: style.option(dim) for dim in _DIMS}


def _add(weights: FloatArray, sums: FloatArray, index: int, value: float, weight: float) -> None:
    """Add weighted evidence; past MAX_WEIGHT, older evidence fades in proportion."""
    old = float(weights[index])
    keep = (MAX_WEIGHT - weight) / old if old + weight > MAX_WEIGHT else 1.0
    weights[index] = old * keep + weight
    sums[index] = float(sums[index]) * keep + weight * value


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
