"""`carry signals make`: write a signal file for the directional modes from a
moving-average cross (a transparent rule, not a model)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import BinaryIO

from services.cli.commands.backtest import resolve_data
from services.outputs.swap import replace_file
from services.signals.make import ma_cross, to_csv


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry signals make`."""
    sig = sub.add_parser("signals", parents=[common], help="signal files for directional modes")
    ssub = sig.add_subparsers(dest="signals_command", required=True)
    make = ssub.add_parser(
        "make",
        parents=[common],
        help="write a signal file from a moving-average cross of BTC perp closes (not a model)",
    )
    make.add_argument("--out", required=True, metavar="FILE", help="the signal file (new)")
    make.add_argument("--data", help="market data folder (default: $CARRY_DATA, else sample)")
    make.add_argument("--start", default="2024-01-01")
    make.add_argument("--end", default="2025-09-01")
    make.add_argument("--fast", type=int, default=24, help="fast moving average, hours (24)")
    make.add_argument("--slow", type=int, default=168, help="slow moving average, hours (168)")
    make.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute the signals and write the file (never over an existing file)."""
    spec, _ = resolve_data(args.data)
    signals = ma_cross(Path(spec.path), args.start, args.end, args.fast, args.slow)
    data = to_csv(signals)

    def fill(stream: BinaryIO) -> None:
        stream.write(data)

    out = replace_file(Path(args.out), fill, lambda _: False, flag="--out", what="signal file")
    sys.stdout.write(
        f"{len(signals)} daily signals ({args.fast} h / {args.slow} h moving-average cross of "
        f"binance BTCUSDT perp closes; a rule, not a model) written to {out}\n"
    )
    return 0
