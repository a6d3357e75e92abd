"""`carry sweep`: one mode over a grid or random points of its parameters, on every core."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli.commands.backtest import resolve_data
from services.cli.commands.env import add_broker_timeout, env_bus
from services.cli.progress import ProgressBar
from services.config.modes import available_modes
from services.runtime.kafka.url import is_memory, parse_kafka_url
from services.sweep.pool import default_jobs
from services.sweep.run import SweepDone, SweepSpec, sweep

KAFKA_JOBS = 8
"""Runs in flight at once on Kafka unless --jobs says otherwise."""


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry sweep`."""
    sw = sub.add_parser(
        "sweep",
        parents=[common],
        help="run a mode over a grid (or random points) of parameters; one row per run",
    )
    sw.add_argument("--mode", required=True, help=f"one of: {', '.join(available_modes())}")
    sw.add_argument(
        "--data", help="market data folder (default: $CARRY_DATA, else the synthetic sample)"
    )
    sw.add_argument("--out", required=True, help="sweep folder (sweep.parquet, sweep.html)")
    sw.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter every configuration shares (repeatable)",
    )
    sw.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="values of one parameter; the sweep runs the cartesian product (repeatable)",
    )
    sw.add_argument(
        "--random", type=int, default=0, metavar="N", help="draw N random points in the ranges"
    )
    sw.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="NAME=LO:HI",
        help="uniform range of one parameter for --random (integers if both bounds are)",
    )
    sw.add_argument("--seed", type=int, default=0, help="seed of the random points (default 0)")
    sw.add_argument(
        "--jobs",
        type=int,
        default=None,
        help=f"worker processes (default: every core); on Kafka, runs in flight "
        f"(default {KAFKA_JOBS})",
    )
    sw.add_argument(
        "--keep-runs", action="store_true", help="also keep each run's results folder in runs/"
    )
    sw.add_argument(
        "--bus",
        default=env_bus() or "memory://",
        help="memory:// (default, $CARRY_BUS: forked processes) or kafka://HOST:PORT[?...]: "
        "runs on the `carry serve` processes there",
    )
    add_broker_timeout(sw)
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(handler=run)


def format_done(done: SweepDone) -> str:
    """What the sweep ran, the best configuration and where the table is."""
    ok = [r for r in done.rows if r["error"] is None]
    lines = [
        f"sweep         {done.configurations} configurations, {done.failed} failed, "
        f"{done.wall_s:.2f} s, {done.jobs} at a time",
    ]
    if ok:
        best = max(ok, key=lambda r: float(r["apy"] or 0.0))
        lines.append(
            f"best APY      {float(best['apy'] or 0.0):.2%} (configuration {best['configuration']})"
        )
    lines.append(f"table         {done.out_dir / 'sweep.parquet'}")
    lines.append(f"report        {done.out_dir / 'sweep.html'}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run the sweep and print where its table is."""
    data, window = resolve_data(args.data)
    spec = SweepSpec(
        mode=args.mode,
        data=data,
        window=window,
        fixed=args.overrides,
        grids=args.grid,
        ranges=args.ranges,
        points=args.random,
        seed=args.seed,
    )
    bus = None if is_memory(args.bus) else parse_kafka_url(args.bus)
    jobs = args.jobs if args.jobs is not None else (default_jobs() if bus is None else KAFKA_JOBS)
    progress = None if args.quiet else ProgressBar(f"sweep {args.mode}", unit="runs")
    done = sweep(spec, Path(args.out), jobs, args.keep_runs, progress, bus, args.broker_timeout)
    sys.stdout.write(format_done(done))
    return 0
