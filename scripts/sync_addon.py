"""Bring the engine modules the add-on imports into addon/aisthos_engine.

The Supervisor builds an add-on with its own folder as the build context, so
the add-on carries a copy of the parts of the integration's engine it uses.
The copy is made by this script and never edited by hand:

    scripts/sync-addon          copy (and delete what is no longer needed)
    scripts/sync-addon --check  exit 1 and list the differences, copy nothing

The modules are found by following the relative imports of engine modules
that addon/aisthos_addon/_engine.py imports (`from aisthos_engine.x import ...`).
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
import shutil
import sys

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "custom_components" / "aisthos" / "engine"
TARGET = REPO / "addon" / "aisthos_engine"
ENTRY = REPO / "addon" / "aisthos_addon" / "_engine.py"
NOTE = "# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.\n"


def _imports(tree: ast.AST, *, package: str | None) -> set[str]:
    """Return the engine modules a module imports (`engine.x`, or `.x` inside it)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if package is None and node.module.startswith("aisthos_engine."):
            found.add(node.module.removeprefix("aisthos_engine.").split(".")[0])
        elif package is not None and node.level == 1:
            found.add(node.module.split(".")[0])
    return found


def needed_modules(source: Path = SOURCE, entry: Path = ENTRY) -> list[str]:
    """Return the engine module names the add-on needs, with everything they import."""
    todo = sorted(_imports(ast.parse(entry.read_text()), package=None))
    needed: set[str] = {"__init__"}
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        path = source / f"{name}.py"
        if not path.is_file():
            raise SystemExit(f"the add-on imports aisthos_engine.{name}: {source} has no {name}")
        needed.add(name)
        todo.extend(_imports(ast.parse(path.read_text()), package="engine"))
    return sorted(needed)


def expected(source: Path = SOURCE, entry: Path = ENTRY) -> dict[str, str]:
    """Return file name -> text of the copy as it must be."""
    return {
        f"{name}.py": NOTE + (source / f"{name}.py").read_text()
        for name in needed_modules(source, entry)
    }


def differences(target: Path = TARGET, source: Path = SOURCE, entry: Path = ENTRY) -> list[str]:
    """Return what differs between the copy and the engine (empty when in sync)."""
    want = expected(source, entry)
    have = {p.name: p.read_text() for p in target.glob("*.py")} if target.is_dir() else {}
    out = [f"missing: {name}" for name in sorted(want.keys() - have.keys())]
    out += [
        f"not in the engine (or not needed): {name}" for name in sorted(have.keys() - want.keys())
    ]
    out += [
        f"differs: {name}" for name in sorted(want.keys() & have.keys()) if want[name] != have[name]
    ]
    return out


def sync(target: Path = TARGET, source: Path = SOURCE, entry: Path = ENTRY) -> None:
    """Write the copy: the needed modules, nothing else."""
    want = expected(source, entry)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, text in want.items():
        (target / name).write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Copy, or with --check only compare."""
    parser = argparse.ArgumentParser(
        prog="scripts/sync-addon", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on differences")
    args = parser.parse_args(argv)
    if args.check:
        if diff := differences():
            print("addon/aisthos_engine is not in sync with the engine (run scripts/sync-addon):")
            print("\n".join(f"  {line}" for line in diff))
            return 1
        print("addon/aisthos_engine is in sync")
        return 0
    sync()
    print(f"copied {len(expected())} engine modules to {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
