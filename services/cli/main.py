"""`carry`: backtests, data checks, sample data."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import anyio

from services.cli import kafka_commands
from services.cli.progress import ProgressBar
from services.cli.summary import format_summary
from services.config.modes import available_modes
from services.config.run import DataSpec, RunConfig, build_run_config
from services.data.check import check_folder, format_report
from services.data.dataset import SAMPLE_END, SAMPLE_START, DataSource
from services.data.sample import generate_sample
from services.errors import CarryError
from services.launcher.run import run_on_bus
from services.market_data.frame import market_frame
from services.recorder.actor import Recorder
from services.recorder.results import write_results
from services.replay.record import RecordingTap, write_record
from services.reward_emitter.actor import run_drops
from services.runtime.kafka_url import is_memory
from services.runtime.logs import configure_logging
from services.runtime.memory import MemoryBus


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carry", description=__doc__)
    parser.add_argument(
        "--log-level",
        default=os.environ.get("CARRY_LOG_LEVEL", "warning"),
        choices=["debug", "info", "warning", "error"],
    )
    sub = parser.add_subparsers(dest="command", required=True)

    bt = sub.add_parser("backtest", help="run a backtest and write its results folder")
    bt.add_argument("--mode", required=True, help=f"one of: {', '.join(available_modes())}")
    bt.add_argument(
        "--data", help="market data folder (default: $CARRY_DATA, else the synthetic sample)"
    )
    bt.add_argument("--out", help="results folder (default: results/<mode>)")
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
    kafka_commands.add_backtest_options(bt)

    data = sub.add_parser("data", help="inspect or generate market data")
    dsub = data.add_subparsers(dest="data_command", required=True)
    check = dsub.add_parser("check", help="report every defect of a data folder")
    check.add_argument("dir")
    sample = dsub.add_parser("sample", help="write the synthetic sample dataset")
    sample.add_argument("out")
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--start", default=SAMPLE_START)
    sample.add_argument("--end", default=SAMPLE_END)

    sub.add_parser("modes", help="list the modes and their parameters")
    kafka_commands.add_commands(sub)
    return parser


def resolve_data(data: str | None) -> tuple[DataSpec, tuple[str, str] | None]:
    """The run's data source, and the window the synthetic sample imposes (if used)."""
    chosen = data or os.environ.get("CARRY_DATA") or None
    source = DataSource.resolve(chosen)
    spec = DataSpec(
        path=str(source.path),
        synthetic=source.synthetic,
        description=str(source.describe()["data_source"]),
    )
    return spec, ((SAMPLE_START, SAMPLE_END) if source.synthetic else None)


def prepare(args: argparse.Namespace) -> RunConfig:
    """Resolve and check everything a backtest needs before anything runs."""
    spec, window = resolve_data(args.data)
    config = build_run_config(args.mode, spec, args.overrides, args.run_id, window)
    market_frame(config)
    run_drops(config)
    return config


def _backtest(args: argparse.Namespace) -> int:
    config = prepare(args)
    if not is_memory(args.bus):
        return kafka_commands.backtest_on_kafka(args, config)
    out_dir = Path(args.out or f"results/{config.mode}")
    progress = None if args.quiet else ProgressBar(config.mode)
    tap = RecordingTap() if args.record else None
    started = time.perf_counter()
    recorder: Recorder = anyio.run(_run_memory, config, progress, tap)
    wall = time.perf_counter() - started
    summary = write_results(out_dir, recorder, config)
    if tap is not None:
        write_record(Path(args.record), config.run_id, "memory", tap.events)
    sys.stdout.write(format_summary(summary, str(out_dir), wall))
    return 0


async def _run_memory(
    config: RunConfig, progress: ProgressBar | None, tap: RecordingTap | None = None
) -> Recorder:
    stop = anyio.Event()
    bus = MemoryBus()
    if tap is not None:
        bus.attach(tap)
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for _ in signals:
                    stop.set()
                    return

            tg.start_soon(watch)
            recorder = await run_on_bus(config, bus, config.actors, progress, stop)
            tg.cancel_scope.cancel()
    return recorder


def _modes() -> int:
    from services.config.modes import load_mode
    from services.config.params import PARAMS_BY_STRATEGY

    for name in available_modes():
        mode = load_mode(name)
        fields = ", ".join(PARAMS_BY_STRATEGY[mode.strategy].__struct_fields__)
        sys.stdout.write(
            f"{name:<22} {mode.share_class:<5} {mode.description}\n{'':<22} parameters: {fields}\n"
        )
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    handled = kafka_commands.dispatch(args)
    if handled is not None:
        return handled
    if args.command == "backtest":
        return _backtest(args)
    if args.command == "modes":
        return _modes()
    if args.data_command == "check":
        sys.stdout.write(format_report(check_folder(Path(args.dir))))
        return 0
    out = generate_sample(Path(args.out), seed=args.seed, start=args.start, end=args.end)
    sys.stdout.write(f"synthetic sample data written to {out}\n")
    return 0


def _user_error(error: BaseException) -> BaseException:
    """The first non-group exception inside task-group wrappers."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `carry` command."""
    args = _parser().parse_args(argv)
    configure_logging(args.log_level, json=not sys.stderr.isatty())
    try:
        return _dispatch(args)
    except (CarryError, KeyboardInterrupt, BaseExceptionGroup) as raised:
        error = _user_error(raised)
        if isinstance(error, KeyboardInterrupt):
            sys.stderr.write("interrupted: nothing was written\n")
            return 130
        if not isinstance(error, CarryError):
            raise
        sys.stderr.write(f"error: {error}\n")
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
