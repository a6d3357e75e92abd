"""`carry modes`: the modes and their parameters."""

from __future__ import annotations

import argparse
import sys

from services.config.modes import available_modes, load_mode
from services.config.params import PARAMS_BY_STRATEGY


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry modes`."""
    modes = sub.add_parser("modes", parents=[common], help="list the modes and their parameters")
    modes.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print each mode with its share class, description and parameter names."""
    for name in available_modes():
        mode = load_mode(name)
        fields = ", ".join(PARAMS_BY_STRATEGY[mode.strategy].__struct_fields__)
        sys.stdout.write(
            f"{name:<22} {mode.share_class:<5} {mode.description}\n{'':<22} parameters: {fields}\n"
        )
    return 0
