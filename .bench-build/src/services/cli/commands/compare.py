"""`carry compare RUN RUN ...`: summaries and parameters side by side, and an HTML page
with the runs' equity and drawdown overlaid."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from services.errors import ConfigError
from services.reports.compare import format_table, write_compare
from services.reports.runs import load_run


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry compare`."""
    cmp = sub.add_parser(
        "compare", parents=[common], help="compare runs: figures, parameters, equity, drawdown"
    )
    cmp.add_argument("runs", nargs="+", metavar="RUN", help="results folders (two or more)")
    cmp.add_argument(
        "--html",
        metavar="FILE",
        help="the comparison page (default: compare-<hash of the runs>.html next to the first run)",
    )
    cmp.set_defaults(handler=run)


def default_page(paths: list[Path]) -> Path:
    """A page name that depends only on which runs are compared."""
    key = "\n".join(str(p.resolve()) for p in paths).encode()
    return paths[0].resolve().parent / f"compare-{hashlib.sha256(key).hexdigest()[:8]}.html"


def run(args: argparse.Namespace) -> int:
    """Print the side-by-side table and write the page."""
    paths = [Path(p) for p in args.runs]
    if len(paths) < 2:
        raise ConfigError("carry compare needs at least two runs", "name two results folders")
    runs = [load_run(p) for p in paths]
    sys.stdout.write(format_table(runs))
    out = write_compare(runs, Path(args.html) if args.html else default_page(paths))
    sys.stdout.write(f"\ncomparison page {out}\n")
    return 0
