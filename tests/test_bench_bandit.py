"""The style bandit benchmark's simulated household and report."""

from __future__ import annotations

import itertools
import json

import pytest

from bench import bandit as bench

CONTEXTS = [
    bench.StyleContext(hour, weekend, channel)
    for hour, weekend, channel in itertools.product((3, 8, 20), (False, True), bench.CHANNELS)
]
PAIRS = list(itertools.product(bench.ALL_STYLES, bench.ALL_STYLES))


@pytest.mark.parametrize("model", [bench.REACTIONS, bench.PREVIOUS])
@pytest.mark.parametrize("flip", [0.0, 0.2])
def test_reactions_are_a_distribution_of_known_kinds(model: bench.Reactions, flip: float) -> None:
    for (prefers, style), ctx in itertools.product(PAIRS, CONTEXTS):
        odds = bench.reaction_odds(prefers, ctx, style, flip, model)
        assert sum(odds.values()) == pytest.approx(1.0)
        assert all(chance >= 0 for chance in odds.values())
        assert {kind for outcome in odds for kind in outcome} <= set(bench.FEEDBACK)


def test_a_consistent_household_corrects_only_what_was_wrong() -> None:
    for (prefers, style), ctx in itertools.product(PAIRS, CONTEXTS):
        odds = bench.reaction_odds(prefers, ctx, style, 0.0, bench.REACTIONS)
        said = {kind for outcome, chance in odds.items() if chance > 0 for kind in outcome}
        for dim in bench.DIMENSIONS:
            right = style.option(dim) == prefers.option(dim)
            wants = bench.CORRECTION[prefers.option(dim)]
            assert (wants in said) is not right
            # Never asks for the option it was given.
            assert bench.CORRECTION[style.option(dim)] not in said or not right


def test_the_previous_product_heard_length_corrections_only() -> None:
    prefers = bench.Style("brief", "list", "quiet")
    style = bench.Style("detailed", "prose", "quiet")
    odds = bench.reaction_odds(prefers, CONTEXTS[0], style, 0.0, bench.PREVIOUS)
    said = {kind for outcome in odds for kind in outcome}
    assert "shorter" in said
    assert "as_list" not in said
    assert ("not_helpful",) in odds
    assert all(len(outcome) == 1 for outcome in odds)


def test_the_report_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--users", "2"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out.rsplit("BENCH_JSON ", 1)[1])
    assert set(figures["targets"]) == {"optimal_21_30_mean"}
    for user in bench.PROFILES:
        row = figures["figures"][user.name]
        assert 0.0 <= row["optimal_21_30"] <= 1.0
        # The reference sees everything a learner could; random is far below it.
        assert row["random_optimal_21_30"] < row["oracle_optimal_21_30"]
    assert "previous reactions" in out
