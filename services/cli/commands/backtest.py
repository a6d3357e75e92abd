"""`carry backtest`: one run, in-process or on Kafka, and its results folder."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from services.cli.commands.env import ENV_DATA, add_broker_timeout, env_bus
from services.cli.progress import ProgressBar
from services.cli.summary import format_summary
from services.config.modes import available_modes
from services.config.run import DataSpec, RunConfig, build_run_config, config_digest
from services.config.runfile import RunFile, load_run_file
from services.data.dataset import SAMPLE_END, SAMPLE_START, DataSource
from services.errors import ConfigError
from services.launcher.backtest import backtest, check_inputs


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry backtest`."""
    bt = sub.add_parser(
        "backtest", parents=[common], help="run a backtest and write its results folder"
    )
    bt.add_argument("--mode", help=f"one of: {', '.join(available_modes())}")
    bt.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML run file (mode, [params]) or a run's config.json; --set overrides it",
    )
    bt.add_argument(
        "--data",
        help="market data folder (default: the run file's, else $CARRY_DATA, else the "
        "synthetic sample)",
    )
    bt.add_argument(
        "--out",
        help="results folder (default: results/<mode>-<config hash>, one per configuration)",
    )
    bt.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a mode parameter (repeatable)",
    )
    bt.add_argument("--run-id", help="run id (default: a digest of the inputs)")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    bt.add_argument(
        "--bus",
        default=env_bus() or "memory://",
        help="memory:// (default, $CARRY_BUS) or kafka://HOST:PORT[?partitions=N&namespace=NAME]",
    )
    bt.add_argument(
        "--attach",
        action="store_true",
        help="kafka: use `carry serve` processes already running (default: start one per actor)",
    )
    bt.add_argument("--record", metavar="FILE", help="also write the run's record to FILE")
    add_broker_timeout(bt)
    bt.set_defaults(handler=run)


def resolve_data(
    data: str | None, file: RunFile | None = None
) -> tuple[DataSpec, tuple[str, str] | None]:
    """The run's data source, and the window the synthetic sample imposes (if used).

    `--data` wins, then the run file's data source, then `$CARRY_DATA`, then the sample.
    """
    if data:
        chosen: str | None = data
    elif file is not None and (file.data or file.synthetic):
        chosen = file.data
    else:
        chosen = os.environ.get(ENV_DATA) or None
    source = DataSource.resolve(chosen)
    spec = DataSpec(
        path=str(source.path),
        synthetic=source.synthetic,
        description=str(source.describe()["data_source"]),
    )
    return spec, ((SAMPLE_START, SAMPLE_END) if source.synthetic else None)


def prepare(args: argparse.Namespace) -> RunConfig:
    """Resolve and check everything a backtest needs before anything runs."""
    file = load_run_file(Path(args.config)) if args.config else None
    mode = args.mode or (file.mode if file else None)
    if mode is None:
        raise ConfigError(
            "carry backtest needs a mode", "pass --mode MODE or --config FILE (carry modes lists)"
        )
    if file is not None and args.mode and args.mode != file.mode:
        raise ConfigError(
            f"--mode {args.mode} contradicts run file {file.path} (mode {file.mode})",
            "drop --mode, or use a run file of that mode",
        )
    spec, window = resolve_data(args.data, file)
    config = build_run_config(
        mode,
        spec,
        args.overrides,
        args.run_id or (file.run_id if file else None),
        window,
        base=file.params if file else None,
        venues=file.venues if file else None,
    )
    check_inputs(config)
    return config


def default_out(config: RunConfig) -> Path:
    """`results/<mode>-<config hash>`: a different configuration never lands in the same
    folder."""
    return (
        Path("results") / f"{config.mode}-{config_digest(config.mode, config.params, config.data)}"
    )


def run(args: argparse.Namespace) -> int:
    """Run the backtest and print its summary."""
    config = prepare(args)
    finished = backtest(
        config,
        Path(args.out) if args.out else default_out(config),
        bus=args.bus,
        attach=args.attach,
        record=Path(args.record) if args.record else None,
        progress=None if args.quiet else ProgressBar(config.mode),
        log_level=args.log_level,
        fixed_run_id=bool(args.run_id),
        broker_timeout_s=args.broker_timeout,
    )
    sys.stdout.write(format_summary(finished.summary, str(finished.out_dir), finished.wall_s))
    if finished.bus != "memory://":
        sys.stdout.write(f"run id        {finished.config.run_id} on {finished.bus}\n")
    return 0
