"""`carry live` and `carry rehearse`: the live path, on real venues or rehearsal servers."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

from services.cli.commands.backtest import resolve_data
from services.cli.commands.env import env_bus
from services.cli.progress import ProgressBar
from services.cli.summary import format_summary
from services.config.live import LiveConfig
from services.config.modes import available_modes
from services.config.run import DataSpec, build_run_config
from services.errors import ConfigError
from services.launcher.backtest import check_inputs
from services.launcher.live import (
    TRADING,
    Switches,
    check_venues,
    live_on_kafka,
    live_run,
    start_time,
    with_live,
)
from services.launcher.rehearse import rehearse
from services.live.venues_file import load_venues_file
from services.recorder.results import write_results
from services.rehearsal.inject import parse_injection
from services.replay.record import write_record
from services.runtime.kafka.url import is_memory, parse_kafka_url

INTERVALS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}
YEAR_S = 365 * 86_400


def _overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a mode parameter (repeatable)",
    )


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry live` and `carry rehearse`."""
    lv = sub.add_parser(
        "live",
        parents=[common],
        help="run a mode on live venues: paper (default) or real orders (--trade)",
    )
    lv.add_argument("--mode", required=True, help=f"one of: {', '.join(available_modes())}")
    lv.add_argument("--venues", required=True, metavar="FILE", help="venues file (TOML)")
    lv.add_argument(
        "--trade",
        action="store_true",
        help=f"send real orders (needs {TRADING}=1, --max-order-notional, --max-daily-loss)",
    )
    lv.add_argument("--out", help="results folder (default: results/live-<mode>)")
    lv.add_argument(
        "--interval", choices=sorted(INTERVALS), default="1h", help="step length (default 1h)"
    )
    lv.add_argument(
        "--steps", type=int, default=0, help="stop after this many steps (default: until stopped)"
    )
    lv.add_argument(
        "--max-order-notional",
        type=float,
        default=0.0,
        metavar="USDT",
        help="largest notional of one order (required with --trade)",
    )
    lv.add_argument(
        "--max-daily-loss",
        type=float,
        default=0.0,
        metavar="AMOUNT",
        help="loss within a UTC day that stops new orders (required with --trade)",
    )
    lv.add_argument(
        "--kill-file", default="carry.kill", help="while this file exists no order goes out"
    )
    lv.add_argument("--ack-file", default="carry.ack", help="touch it to acknowledge a halt")
    lv.add_argument("--quiet", action="store_true", help="no progress bar")
    lv.add_argument(
        "--bus",
        default=env_bus() or "memory://",
        help="memory:// (default, $CARRY_BUS) or kafka://HOST:PORT[?namespace=NAME]",
    )
    lv.add_argument(
        "--attach", action="store_true", help="kafka: use `carry serve` processes already running"
    )
    _overrides(lv)
    lv.set_defaults(handler=run_live)
    rh = sub.add_parser(
        "rehearse",
        parents=[common],
        help="run `live --trade` against local exchange servers replaying recorded data",
    )
    rh.add_argument("--mode", required=True, help=f"one of: {', '.join(available_modes())}")
    rh.add_argument("--data", help="market data folder (default: $CARRY_DATA)")
    rh.add_argument("--start", required=True, help="first step (date or ISO time, UTC)")
    rh.add_argument("--end", required=True, help="end of the window")
    rh.add_argument("--out", help="results folder (default: results/rehearse-<mode>)")
    rh.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="recorded seconds per wall second (default 0: as fast as the run goes)",
    )
    rh.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="VENUE[.ACCOUNT]:ASSET=AMOUNT@TIME",
        help="change a balance out of band at that time (repeatable)",
    )
    rh.add_argument("--record", metavar="FILE", help="also write the run's record to FILE")
    rh.add_argument("--quiet", action="store_true", help="no progress bar")
    _overrides(rh)
    rh.set_defaults(handler=run_rehearse)


def _check_trade(args: argparse.Namespace) -> None:
    if not args.trade:
        return
    if os.environ.get(TRADING) != "1":
        raise ConfigError(
            f"--trade sends real orders and needs {TRADING}=1 in the environment",
            f"export {TRADING}=1 to confirm, or leave out --trade for paper trading",
        )
    if args.max_order_notional <= 0 or args.max_daily_loss <= 0:
        raise ConfigError(
            "--trade needs --max-order-notional and --max-daily-loss (both > 0)",
            "e.g. --max-order-notional 50000 --max-daily-loss 2000",
        )


def run_live(args: argparse.Namespace) -> int:
    """Start a live run and print its summary when it ends."""
    _check_trade(args)
    venues = load_venues_file(Path(args.venues))
    step_s = INTERVALS[args.interval]
    steps = args.steps if args.steps > 0 else YEAR_S // step_s * 10
    names = ", ".join(sorted(venues.venues))
    data = DataSpec(path="", synthetic=False, description=f"live: {names}")
    config = build_run_config(args.mode, data, args.overrides)
    all_keys = all(v.has_credentials for v in venues.venues.values())
    live = LiveConfig(
        venues=venues.venues,
        wallet=venues.wallet,
        trade=args.trade,
        time_source=venues.time_source,
        max_order_notional=args.max_order_notional,
        max_daily_loss=args.max_daily_loss,
        seed_from_venues=args.trade or all_keys,
    )
    config = with_live(config, live, 0, step_s * 1_000_000_000, steps)
    check_venues(config, live)
    start = anyio.run(start_time, config)
    config = with_live(config, live, start, config.step_ns, steps)
    progress = None if args.quiet else ProgressBar(config.mode)
    out = Path(args.out or f"results/live-{config.mode}")
    switches = Switches(Path(args.kill_file), Path(args.ack_file))
    if not is_memory(args.bus):
        finished = live_on_kafka(
            config, parse_kafka_url(args.bus), out, args.attach, args.log_level, switches, progress
        )
        sys.stdout.write(format_summary(finished.summary, str(finished.out_dir), finished.wall_s))
        sys.stdout.write(f"run id        {finished.config.run_id} on {finished.bus}\n")
        return 0
    finished = live_run(config, out, switches, progress)
    sys.stdout.write(format_summary(finished.summary, str(finished.out_dir), finished.wall_s))
    return 0


def run_rehearse(args: argparse.Namespace) -> int:
    """Rehearse a mode over a recorded window and print its summary."""
    injections = [parse_injection(s) for s in args.inject]
    spec, window = resolve_data(args.data)
    if window is not None:
        raise ConfigError(
            "carry rehearse replays real recorded data", "pass --data or set CARRY_DATA"
        )
    config = build_run_config(
        args.mode, spec, [f"start={args.start}", f"end={args.end}", *args.overrides]
    )
    check_inputs(config)
    progress = None if args.quiet else ProgressBar(config.mode)
    done = rehearse(config, args.speed, injections, progress, record=bool(args.record))
    out = Path(args.out or f"results/rehearse-{config.mode}")
    summary = write_results(out, done.recorder, done.config)
    if args.record and done.tap is not None:
        write_record(
            Path(args.record), done.config.run_id, "memory", done.tap.events, Path(spec.path)
        )
    sys.stdout.write(format_summary(summary, str(out), done.wall_s))
    days = done.config.steps * done.config.step_ns / 86_400e9
    sys.stdout.write(f"rehearsal     {done.wall_s / days:.2f} s of wall time per simulated day\n")
    return 0
