"""The add-on as the Supervisor sees it: a repository, a folder that builds on its own."""

from __future__ import annotations

import os
from pathlib import Path
import shlex
import shutil
import subprocess
import sys
from typing import Any

import yaml

from scripts import sync_addon

REPO = Path(__file__).resolve().parents[2]
ADDON = REPO / "addon"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """Return (instruction, arguments) of a Dockerfile, continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        instruction, _, arguments = whole.partition(" ")
        out.append((instruction.upper(), arguments.strip()))
    return out


def copy_sources(text: str) -> list[str]:
    """Return every source path of the COPY and ADD instructions."""
    sources: list[str] = []
    for instruction, arguments in dockerfile_instructions(text):
        if instruction not in ("COPY", "ADD"):
            continue
        words = [w for w in shlex.split(arguments) if not w.startswith("--")]
        sources.extend(words[:-1])
    return sources


def test_the_repository_is_an_add_on_repository() -> None:
    repository = yaml.safe_load((REPO / "repository.yaml").read_text("utf-8"))
    assert {"name", "url", "maintainer"} <= set(repository)
    assert all(isinstance(repository[key], str) and repository[key] for key in repository)
    config: dict[str, Any] = yaml.safe_load((ADDON / "config.yaml").read_text("utf-8"))
    assert config["url"] == repository["url"]
    # The Supervisor takes every config.{yaml,json} in the repository for an add-on.
    configs = [
        p.relative_to(REPO)
        for p in REPO.rglob("config.*")
        if p.suffix in (".yaml", ".yml", ".json")
        and not any(part.startswith(".") for part in p.relative_to(REPO).parts)
    ]
    assert configs == [Path("addon/config.yaml")]


def test_every_copy_source_is_inside_the_build_context() -> None:
    sources = copy_sources((ADDON / "Dockerfile").read_text("utf-8"))
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        assert "://" not in source, f"{source}: nothing is downloaded by ADD"
        path = (ADDON / source).resolve()
        assert path.is_relative_to(ADDON), f"{source} is outside the add-on folder"
        assert path.exists(), f"{source} is not in the add-on folder"


def test_the_copy_parser_sees_what_a_builder_would() -> None:
    text = (
        "FROM x\n# COPY ignored /x\nCOPY --chown=1:1 a b \\\n  /dest/\nADD c /d\nRUN echo COPY e\n"
    )
    assert copy_sources(text) == ["a", "b", "c"]


def test_the_image_is_made_from_debian_packages_and_pypi_only() -> None:
    runs = [
        arguments
        for instruction, arguments in dockerfile_instructions(
            (ADDON / "Dockerfile").read_text("utf-8")
        )
        if instruction == "RUN"
    ]
    joined = " ".join(runs)
    for fetcher in ("curl ", "wget ", "git clone", "http://", "https://"):
        assert fetcher not in joined, fetcher
    assert "--index-url" not in joined
    assert "--extra-index-url" not in joined


def test_the_engine_copy_matches_the_integrations_engine() -> None:
    assert sync_addon.differences() == [], "run scripts/sync-addon"
    names = {p.name for p in (ADDON / "aisthos_engine").glob("*.py")}
    assert {"template.py", "spark.py", "catalog.py"} <= names
    # Only what the add-on imports: no learning code rides along.
    assert "routine_miner.py" not in names


def test_a_changed_engine_is_seen(tmp_path: Path) -> None:
    source = tmp_path / "engine"
    shutil.copytree(REPO / "custom_components" / "aisthos" / "engine", source)
    target = tmp_path / "copy"
    sync_addon.sync(target, source)
    assert sync_addon.differences(target, source) == []
    (source / "ontology.py").write_text((source / "ontology.py").read_text() + "\nX = 1\n")
    (target / "stray.py").write_text("")
    (target / "catalog.py").unlink()
    assert sync_addon.differences(target, source) == [
        "missing: catalog.py",
        "not in the engine (or not needed): stray.py",
        "differs: ontology.py",
    ]
    assert (
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "sync_addon.py"), "--check"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )


def test_the_add_on_folder_runs_on_its_own(tmp_path: Path) -> None:
    # What the Supervisor hands the builder: the add-on folder, nothing else.
    context = tmp_path / "context"
    shutil.copytree(ADDON, context, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("AISTHOS_ENGINE_PATH", "PYTHONPATH")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import aisthos_addon._engine as e, aisthos_engine as engine; print(engine.__file__);"
            " print(len(e.TEMPLATES))",
        ],
        cwd=context,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    engine_file, templates = done.stdout.split()
    assert Path(engine_file).resolve().is_relative_to(context)
    assert int(templates) > 5


def test_the_entry_point_runs_the_copied_package() -> None:
    script = (ADDON / "run.sh").read_text("utf-8")
    assert "cd /opt/aisthos" in script
    assert "-m aisthos_addon" in script
