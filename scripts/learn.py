"""Learn skills from a Home Assistant history file (JSON Lines), outside HA.

Usage: scripts/learn --history FILE.jsonl [--format json|yaml] [--tz ZONE] [--today DATE]
"""

from __future__ import annotations

import argparse
from datetime import date
import json
from pathlib import Path
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The engine is plain Python: import it without Home Assistant.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "custom_components" / "aisthos"))

from engine.history_file import HistoryFormatError, read_records
from engine.offline_learning import learn, perceive, skills_report


def _local_zone() -> str:
    link = Path("/etc/localtime")
    if link.is_symlink() and "zoneinfo/" in str(link.resolve()):
        return str(link.resolve()).split("zoneinfo/", 1)[1]
    return "UTC"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/learn", description=__doc__.splitlines()[0])
    parser.add_argument("--history", required=True, help="JSON Lines of HA State.as_dict()")
    parser.add_argument("--format", choices=["json", "yaml"], default="json")
    parser.add_argument("--tz", default=None, help="the home's time zone (default: this system's)")
    parser.add_argument("--today", default=None, help="learn as of this date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        tz = ZoneInfo(args.tz or _local_zone())
    except (ZoneInfoNotFoundError, ValueError):
        print(f"error: unknown time zone {args.tz!r}", file=sys.stderr)
        return 2
    try:
        with open(args.history, encoding="utf-8") as handle:
            records = read_records(handle)
        today = date.fromisoformat(args.today) if args.today else None
    except OSError as err:
        print(f"error: cannot read {args.history}: {err.strerror}", file=sys.stderr)
        return 2
    except (HistoryFormatError, ValueError, UnicodeDecodeError) as err:
        print(f"error: {args.history}: {err}", file=sys.stderr)
        return 2
    home = perceive(records)
    report = skills_report(home, learn(home, tz, today=today))
    if args.format == "yaml":
        import yaml  # noqa: PLC0415 - only needed for this format

        print(yaml.safe_dump(report, sort_keys=False, allow_unicode=True), end="")
    else:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
