"""`carry data check`, `carry data sample` and `carry data fetch`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli.commands.fetch import add_fetch
from services.data.check import JSON_FORMAT, check_folder, format_report
from services.data.dataset import SAMPLE_END, SAMPLE_START
from services.data.sample.generate import generate_sample


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry data check|sample|fetch`."""
    data = sub.add_parser("data", parents=[common], help="inspect or generate market data")
    dsub = data.add_subparsers(dest="data_command", required=True)
    check = dsub.add_parser(
        "check",
        parents=[common],
        help="report every defect of a data folder",
        description="Report every defect of a data folder. Exit 0 when every series and "
        "input present is usable, 1 when one is not, 2 when the folder cannot be read.",
    )
    check.add_argument("dir")
    check.add_argument(
        "--json", action="store_true", help=f"print the report as JSON ({JSON_FORMAT})"
    )
    check.set_defaults(handler=_check)
    sample = dsub.add_parser("sample", parents=[common], help="write the synthetic sample dataset")
    sample.add_argument("out")
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--start", default=SAMPLE_START)
    sample.add_argument("--end", default=SAMPLE_END)
    sample.set_defaults(handler=_sample)
    add_fetch(dsub, common)


def _check(args: argparse.Namespace) -> int:
    report = check_folder(Path(args.dir))
    if args.json:
        sys.stdout.buffer.write(report.to_json())
        sys.stdout.flush()
    else:
        sys.stdout.write(format_report(report))
    return 1 if report.unusable else 0


def _sample(args: argparse.Namespace) -> int:
    out = generate_sample(Path(args.out), seed=args.seed, start=args.start, end=args.end)
    sys.stdout.write(f"synthetic sample data written to {out}\n")
    return 0
