"""Run the AisthOS service: `python -m aisthos_addon` (add-on, Mac or PC)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
import sys

from aiohttp import web

from .builtin_models import BuiltinPipeline, available as builtin_available
from .config import ConfigError, load_settings
from .llm import SkillTextWriter, load_generator
from .perception import Perceiver, PerceptionModel
from .server import Service, create_app

_LOGGER = logging.getLogger("aisthos_addon")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load settings and models, serve until stopped."""
    under_supervisor = bool(os.environ.get("SUPERVISOR_TOKEN"))
    parser = argparse.ArgumentParser(prog="python -m aisthos_addon", description=__doc__)
    parser.add_argument(
        "--options",
        type=Path,
        default=Path("/data/options.json") if under_supervisor else None,
        help="options JSON (the add-on's /data/options.json); env vars fill in the rest",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("/data") if under_supervisor else Path.home() / ".aisthos-addon",
        help="folder for the API token, the interactions export and adapters",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.options, args.data_dir)
    except (ConfigError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    perceiver = None
    if settings.perception_model:
        perceiver = Perceiver(PerceptionModel(settings.perception_model))
    elif builtin_available():
        perceiver = Perceiver(BuiltinPipeline())
    else:
        _LOGGER.warning("The built-in perception models are missing: camera perception is off")
    if perceiver is not None:
        _LOGGER.info(
            "Perception: %s on onnxruntime %s", perceiver.model.name, perceiver.model.ort_version
        )
    writer = SkillTextWriter(load_generator(settings.llm_model))
    if not settings.under_supervisor:
        _LOGGER.info(
            "Running outside Home Assistant's Supervisor on port %s; API token in %s",
            settings.port,
            settings.data_dir / "api_token",
        )
    app = create_app(Service(settings, perceiver=perceiver, writer=writer))
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
