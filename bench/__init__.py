"""Benchmarks: `scripts/bench <name>` runs bench/<name>.py.

Each prints its figures as ratios against a baseline measured in the same run
(never absolute timings checked by unit tests), then one `BENCH_JSON ` line.
"""

# Imported first on purpose: HA installs probatio as voluptuous on import, which
# must happen before the test helpers import voluptuous themselves.
import homeassistant  # noqa: F401
