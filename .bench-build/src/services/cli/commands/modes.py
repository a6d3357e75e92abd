"""`carry modes [MODE]`: the modes, or one mode's parameters in full."""

from __future__ import annotations

import argparse
import json
import sys

from services.config.describe import describe_mode
from services.config.modes import available_modes, load_mode
from services.config.params import PARAMS_BY_STRATEGY


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry modes`."""
    modes = sub.add_parser(
        "modes", parents=[common], help="list the modes, or one mode's parameters in full"
    )
    modes.add_argument(
        "mode", nargs="?", help="a mode: each parameter with default, type, range, meaning"
    )
    modes.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the modes, or the parameters of one."""
    if args.mode:
        mode = load_mode(args.mode)
        sys.stdout.write(f"{mode.mode} ({mode.share_class}): {mode.description}\n\n")
        params = describe_mode(args.mode)
        width = max(len(p.name) for p in params)
        for p in params:
            default = json.dumps(p.default, separators=(",", "="))
            sys.stdout.write(
                f"{p.name:<{width}}  default {default}  {p.type}, {p.allowed}\n"
                f"{'':<{width}}  {p.meaning}\n"
            )
        sys.stdout.write(f"\nset with: carry backtest --mode {mode.mode} --set NAME=VALUE\n")
        return 0
    for name in available_modes():
        mode = load_mode(name)
        fields = ", ".join(PARAMS_BY_STRATEGY[mode.strategy].__struct_fields__)
        sys.stdout.write(
            f"{name:<22} {mode.share_class:<5} {mode.description}\n{'':<22} parameters: {fields}\n"
        )
    sys.stdout.write("\ncarry modes MODE: each parameter with default, type, range, meaning\n")
    return 0
