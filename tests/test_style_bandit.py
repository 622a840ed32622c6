"""Track A style bandit: learning, explicit feedback, persistence, hostile state."""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
from typing import Any

import numpy as np
import pytest

from custom_components.aisthos.engine import style_bandit
from custom_components.aisthos.engine.style_bandit import (
    BUCKETS,
    CHANNELS,
    CORRECTION,
    DIMENSIONS,
    FEEDBACK,
    MAX_WEIGHT,
    STATE_VERSION,
    Style,
    StyleBandit,
    StyleContext,
    time_of_day,
)

DEFAULT = Style("brief", "prose", "quiet")
MORNING = StyleContext(8, False, "chat")
EVENING = StyleContext(20, False, "chat")
ALL_CONTEXTS = [
    StyleContext(hour, weekend, channel)
    for hour, weekend, channel in itertools.product((3, 8, 14, 20), (False, True), CHANNELS)
]
P_HELPFUL = (0.1, 0.35, 0.6, 0.9)


def matches(a: Style, b: Style) -> int:
    return sum(getattr(a, dim) == getattr(b, dim) for dim in ("length", "form", "initiative"))


def simulate(bandit: StyleBandit, prefers: Any, steps: int, seed: int) -> list[bool]:
    """Run a user who answers "helpful" more often the more dimensions match.

    Return, per step, whether the bandit's actual choice was the preferred style.
    """
    rng = random.Random(seed)
    hits = []
    for _ in range(steps):
        ctx = StyleContext(rng.randrange(24), rng.random() < 2 / 7, rng.choice(CHANNELS))
        style = bandit.choose(ctx)
        want = prefers(ctx)
        hits.append(style == want)
        if style.length != want.length and rng.random() < 0.25:
            kind = "shorter" if want.length == "brief" else "more_detail"
        else:
            kind = "helpful" if rng.random() < P_HELPFUL[matches(style, want)] else "not_helpful"
        bandit.feedback(ctx, style, kind)
    return hits


def busy_bandit(seed: int = 5, steps: int = 300) -> StyleBandit:
    """Return a bandit fed with many mixed reactions in every context."""
    rng = random.Random(seed)
    bandit = StyleBandit(seed)
    for _ in range(steps):
        ctx = rng.choice(ALL_CONTEXTS)
        bandit.feedback(ctx, bandit.choose(ctx), rng.choice(sorted(FEEDBACK)))
    return bandit


# ---- contexts and styles ------------------------------------------------------


def test_time_of_day_buckets() -> None:
    assert [time_of_day(h) for h in (0, 5, 6, 11, 12, 17, 18, 21, 22, 23)] == [
        "night",
        "night",
        "morning",
        "morning",
        "afternoon",
        "afternoon",
        "evening",
        "evening",
        "night",
        "night",
    ]
    assert len({ctx.bucket for ctx in ALL_CONTEXTS}) == BUCKETS
    assert all(0 <= ctx.bucket < BUCKETS for ctx in ALL_CONTEXTS)


@pytest.mark.parametrize(
    ("hour", "channel", "error"),
    [(24, "voice", "hour out of range"), (-1, "chat", "hour out of range"), (8, "fax", "channel")],
)
def test_context_rejects_unknown(hour: int, channel: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        StyleContext(hour, False, channel)


def test_style_rejects_unknown_option() -> None:
    with pytest.raises(ValueError, match="unknown length"):
        Style("medium", "prose", "quiet")


def test_the_prior_is_a_distribution_over_every_joint_hypothesis() -> None:
    log_prior = style_bandit._LOG_PRIOR
    assert log_prior.shape == (30, 30, 30)
    assert float(np.exp(log_prior).sum()) == pytest.approx(1.0)
    # "The same style everywhere": its own share plus its part of the other two.
    everywhere = style_bandit._STRUCTURE == 0
    mass = float(np.exp(log_prior[np.ix_(everywhere, everywhere, everywhere)]).sum())
    one_style, one_context = style_bandit.PRIOR_ONE_STYLE, style_bandit.PRIOR_ONE_CONTEXT
    assert mass == pytest.approx(one_style + one_context / 4 + (1 - one_style - one_context) / 64)


def test_no_evidence_means_the_default_style() -> None:
    bandit = StyleBandit(seed=1)
    assert all(bandit.best(ctx) == DEFAULT for ctx in ALL_CONTEXTS)
    assert bandit.confidence(MORNING) == {"length": 0.5, "form": 0.5, "initiative": 0.5}


# ---- learning ------------------------------------------------------------------


def test_learns_a_hidden_preference() -> None:
    want = Style("detailed", "list", "quiet")
    bandit = StyleBandit(seed=3)
    hits = simulate(bandit, lambda _ctx: want, steps=150, seed=3)
    assert all(bandit.best(ctx) == want for ctx in ALL_CONTEXTS)
    # The actual choices are mostly right by then.
    assert sum(hits[-50:]) >= 45


def test_the_first_choices_are_worse_than_the_later_ones() -> None:
    want = Style("detailed", "list", "quiet")
    first = later = 0
    for seed in range(20):
        hits = simulate(StyleBandit(seed=seed), lambda _ctx: want, steps=40, seed=seed)
        first += sum(hits[:3])
        later += sum(hits[-10:])
    # Without evidence a style is a 1-in-8 guess; after 30 reactions it is known.
    assert first / 60 < 0.5
    assert later / 200 >= 0.85


def test_learns_a_preference_that_depends_on_the_time_of_day() -> None:
    def prefers(ctx: StyleContext) -> Style:
        brief = time_of_day(ctx.hour) in ("night", "morning")
        return Style("brief" if brief else "detailed", "prose", "proactive")

    bandit = StyleBandit(seed=4)
    simulate(bandit, prefers, steps=250, seed=4)
    assert bandit.best(MORNING) == Style("brief", "prose", "proactive")
    assert bandit.best(EVENING) == Style("detailed", "prose", "proactive")


def test_shorter_moves_length_to_brief_in_that_context_only() -> None:
    bandit = StyleBandit(seed=2)
    for _ in range(5):
        bandit.feedback(MORNING, bandit.choose(MORNING), "more_detail")
        bandit.feedback(EVENING, bandit.choose(EVENING), "more_detail")
    assert bandit.best(MORNING).length == bandit.best(EVENING).length == "detailed"
    for _ in range(8):
        bandit.feedback(MORNING, bandit.choose(MORNING), "shorter")
    assert bandit.best(MORNING) == Style("brief", "prose", "quiet")
    # The evenings keep what they were told; the other dimensions did not move.
    assert bandit.best(EVENING) == Style("detailed", "prose", "quiet")
    assert bandit.confidence(MORNING)["length"] > 0.9


def test_dimension_reward_touches_only_that_dimension() -> None:
    bandit = StyleBandit(seed=2)
    listed = Style("detailed", "list", "proactive")
    for _ in range(3):
        bandit.reward(MORNING, listed, 1.0, dimension="form")
    assert bandit.best(MORNING) == Style("brief", "list", "quiet")


@pytest.mark.parametrize(
    ("kind", "dimension", "option"),
    [
        ("shorter", "length", "brief"),
        ("more_detail", "length", "detailed"),
        ("as_list", "form", "list"),
        ("as_prose", "form", "prose"),
        ("quieter", "initiative", "quiet"),
        ("more_proactive", "initiative", "proactive"),
    ],
)
def test_each_spoken_correction_moves_its_own_dimension(
    kind: str, dimension: str, option: str
) -> None:
    bandit = StyleBandit(seed=2)
    # The answer the household corrected had the other option.
    other_option = DIMENSIONS[dimension][1 - DIMENSIONS[dimension].index(option)]
    start = Style(**{dim: DEFAULT.option(dim) for dim in DIMENSIONS} | {dimension: other_option})
    other = {dim: bandit.confidence(MORNING)[dim] for dim in DIMENSIONS if dim != dimension}
    for _ in range(2):
        bandit.feedback(MORNING, start, kind)
    assert bandit.best(MORNING).option(dimension) == option
    assert bandit.confidence(MORNING)[dimension] > 0.9
    # The other dimensions learned nothing from it.
    assert {dim: bandit.confidence(MORNING)[dim] for dim in other} == other


def test_a_preference_by_channel_is_learned_for_every_dimension() -> None:
    def prefers(ctx: StyleContext) -> Style:
        if ctx.channel == "voice":
            return Style("brief", "prose", "quiet")
        return Style("detailed", "list", "proactive" if ctx.channel == "chat" else "quiet")

    bandit = StyleBandit(seed=11)
    rng = random.Random(11)
    for _ in range(120):
        ctx = StyleContext(rng.randrange(24), rng.random() < 2 / 7, rng.choice(CHANNELS))
        style, want = bandit.choose(ctx), prefers(ctx)
        wrong = [dim for dim in DIMENSIONS if style.option(dim) != want.option(dim)]
        if wrong and rng.random() < 0.25:
            kind = CORRECTION[want.option(rng.choice(wrong))]
        else:
            kind = "helpful" if rng.random() < P_HELPFUL[matches(style, want)] else "not_helpful"
        bandit.feedback(ctx, style, kind)
    assert all(bandit.best(ctx) == prefers(ctx) for ctx in ALL_CONTEXTS)


def test_the_posterior_from_the_stored_sums_equals_the_one_learned_step_by_step() -> None:
    bandit = busy_bandit(steps=3000)  # far past MAX_WEIGHT: old evidence faded
    restored = StyleBandit.from_dict(bandit.as_dict())
    for ctx in ALL_CONTEXTS:
        # The stored sums are rounded to 3 decimals, nothing else differs.
        assert restored.confidence(ctx) == pytest.approx(bandit.confidence(ctx), abs=1e-3)


def test_initiative_follows_approvals_and_dismissals() -> None:
    weekend = StyleContext(10, True, "notification")
    weekday = StyleContext(10, False, "notification")
    bandit = StyleBandit(seed=6)
    proactive = Style("brief", "prose", "proactive")
    for _ in range(6):
        bandit.feedback(weekend, proactive, "approved")
        bandit.feedback(weekday, proactive, "dismissed")
    assert bandit.best(weekend).initiative == "proactive"
    assert bandit.best(weekday).initiative == "quiet"


def test_helpful_and_not_helpful_move_the_whole_style() -> None:
    bandit = StyleBandit(seed=8)
    liked = Style("detailed", "list", "proactive")
    for _ in range(6):
        bandit.feedback(MORNING, liked, "helpful")
        bandit.feedback(MORNING, DEFAULT, "not_helpful")
    assert bandit.best(MORNING) == liked


def test_rejects_bad_rewards_and_kinds() -> None:
    bandit = StyleBandit()
    for value in (-0.1, 1.5, math.nan, math.inf):
        with pytest.raises(ValueError, match="reward must be within"):
            bandit.reward(MORNING, DEFAULT, value)
    with pytest.raises(ValueError, match="unknown dimension"):
        bandit.reward(MORNING, DEFAULT, 1.0, dimension="colour")
    with pytest.raises(ValueError, match="weight must be within"):
        bandit.reward(MORNING, DEFAULT, 1.0, weight=0.0)
    with pytest.raises(ValueError, match="unknown feedback"):
        bandit.feedback(MORNING, DEFAULT, "meh")
    assert bandit.as_dict() == StyleBandit().as_dict()


# ---- determinism and persistence -----------------------------------------------


def choices(bandit: StyleBandit, steps: int = 60) -> list[Style]:
    rng = random.Random(9)
    out = []
    for _ in range(steps):
        ctx = rng.choice(ALL_CONTEXTS)
        style = bandit.choose(ctx)
        out.append(style)
        bandit.feedback(ctx, style, rng.choice(("helpful", "not_helpful", "shorter")))
    return out


def test_deterministic_with_a_seed() -> None:
    assert choices(StyleBandit(seed=42)) == choices(StyleBandit(seed=42))
    assert choices(StyleBandit(seed=42)) != choices(StyleBandit(seed=43))


def test_round_trip() -> None:
    bandit = busy_bandit()
    data = bandit.as_dict()
    restored = StyleBandit.from_dict(json.loads(json.dumps(data)), seed=7)
    assert restored.as_dict() == data
    for ctx in ALL_CONTEXTS:
        assert restored.best(ctx) == bandit.best(ctx)
        assert restored.confidence(ctx) == pytest.approx(bandit.confidence(ctx), abs=1e-6)
    again = StyleBandit.from_dict(data, seed=7)
    assert choices(again) == choices(StyleBandit.from_dict(data, seed=7))


def test_state_stays_small_and_bounded() -> None:
    bandit = busy_bandit(steps=5000)
    data = bandit.as_dict()
    assert len(json.dumps(data)) <= 4096
    weights = [pair[0] for row in data["styles"] for pair in row]
    weights += [pair[0] for pairs in data["dimensions"].values() for pair in pairs]
    assert max(weights) <= MAX_WEIGHT
    StyleBandit.from_dict(data)  # what it writes, it reads


def good_state() -> dict[str, Any]:
    return busy_bandit(steps=100).as_dict()


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(data: dict[str, Any]) -> dict[str, Any]:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return data

    return change


def _drop(key: str) -> Any:
    def change(data: dict[str, Any]) -> dict[str, Any]:
        del data[key]
        return data

    return change


MALFORMED = {
    "not a mapping": lambda _data: [1, 2, 3],
    "none": lambda _data: None,
    "a string": lambda _data: "{}",
    "missing styles": _drop("styles"),
    "unknown key": lambda data: {**data, "extra": 1},
    "wrong version": _set(("version",), STATE_VERSION + 1),
    "version as bool": _set(("version",), True),
    "too few buckets": lambda data: {**data, "styles": data["styles"][:-1]},
    "huge list": lambda data: {**data, "styles": [[[0, 0]] * 8] * 1_000_000},
    "short row": _set(("styles", 0), [[0, 0]] * 7),
    "pair of three": _set(("styles", 0, 0), [1, 1, 1]),
    "pair as dict": _set(("styles", 0, 0), {"n": 1, "s": 1}),
    "nan weight": _set(("styles", 3, 2), [math.nan, 0]),
    "inf sum": _set(("styles", 3, 2), [1, math.inf]),
    "negative weight": _set(("styles", 3, 2), [-1, 0]),
    "weight above cap": _set(("styles", 3, 2), [MAX_WEIGHT + 1, 0]),
    "sum above weight": _set(("styles", 3, 2), [1, 2]),
    "negative style sum": _set(("styles", 3, 2), [1, -0.5]),
    "string number": _set(("styles", 3, 2), ["1", 0]),
    "bool number": _set(("styles", 3, 2), [True, 0]),
    "huge int": _set(("styles", 3, 2), [10**400, 0]),
    "missing dimension": lambda data: {
        **data,
        "dimensions": {k: v for k, v in data["dimensions"].items() if k != "form"},
    },
    "unknown dimension": _set(("dimensions", "colour"), [[0, 0]] * BUCKETS),
    "dimension sum below -weight": _set(("dimensions", "length", 0), [1, -2]),
    "dimensions as list": _set(("dimensions",), [[0, 0]] * BUCKETS),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_rejects_malformed_state(case: str) -> None:
    data = MALFORMED[case](copy.deepcopy(good_state()))
    with pytest.raises(ValueError, match="bad style bandit state"):
        StyleBandit.from_dict(data)


def test_accepts_negative_dimension_sums() -> None:
    data = good_state()
    data["dimensions"]["length"][0] = [2, -2]
    bandit = StyleBandit.from_dict(data)
    assert bandit.as_dict()["dimensions"]["length"][0] == [2, -2]


def test_each_correction_asks_for_its_option() -> None:
    for option, kind in CORRECTION.items():
        dimension, wanted, value, _weight = FEEDBACK[kind]
        assert dimension is not None
        assert option in DIMENSIONS[dimension]
        assert (wanted, value) == (option, 1.0)
    assert sorted(CORRECTION) == sorted(o for options in DIMENSIONS.values() for o in options)
