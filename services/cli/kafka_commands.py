"""`carry serve`, `carry export`, `carry replay` and `carry backtest --bus kafka://...`.

Every option a container needs has an environment variable: `CARRY_BUS` (the bus
URL), `CARRY_ACTORS` (what `serve` runs, comma- or space-separated), `CARRY_DATA` and
`CARRY_LOG_LEVEL`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import anyio
import msgspec
import structlog

from services.cli.progress import ProgressBar
from services.cli.summary import format_summary
from services.config.run import RunConfig
from services.errors import ConfigError
from services.launcher.children import Children
from services.launcher.kafka_run import run_on_kafka
from services.launcher.serve import serve
from services.recorder.actor import Recorder
from services.recorder.results import write_results
from services.registry import KINDS
from services.replay.rebuild import replay
from services.replay.record import RecordError, read_record, write_record
from services.runtime.actor import Out
from services.runtime.kafka_reader import read_run
from services.runtime.kafka_url import KafkaUrl, is_memory, parse_kafka_url

ENV_BUS = "CARRY_BUS"
ENV_ACTORS = "CARRY_ACTORS"
ENV_INSTANCE = "CARRY_INSTANCE"


def add_backtest_options(bt: argparse.ArgumentParser) -> None:
    """`--bus`, `--attach`, `--record` for `carry backtest`."""
    bt.add_argument(
        "--bus",
        default=os.environ.get(ENV_BUS) or "memory://",
        help="memory:// (default, $CARRY_BUS) or kafka://HOST:PORT[?partitions=N&namespace=NAME]",
    )
    bt.add_argument(
        "--attach",
        action="store_true",
        help="kafka: use `carry serve` processes already running (default: start one per actor)",
    )
    bt.add_argument("--record", metavar="FILE", help="also write the run's record to FILE")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `export` and `replay`."""
    bus_help = "kafka://HOST:PORT[?partitions=N&namespace=NAME] (default: $CARRY_BUS)"
    env_bus = os.environ.get(ENV_BUS)
    srv = sub.add_parser("serve", help="run actors on Kafka until stopped (SIGTERM drains)")
    srv.add_argument("actors", nargs="*", help=f"actor kinds (default: ${ENV_ACTORS})")
    srv.add_argument("--bus", default=env_bus, help=bus_help)
    srv.add_argument(
        "--instance",
        default=os.environ.get(ENV_INSTANCE, "0"),
        help=f"member id in each kind's group, unique per process of a kind (${ENV_INSTANCE})",
    )

    exp = sub.add_parser("export", help="write a recorded Kafka run to a record file")
    exp.add_argument("--bus", default=env_bus, help=bus_help)
    exp.add_argument("--run-id", required=True)
    exp.add_argument("--out", required=True, metavar="FILE")

    rep = sub.add_parser("replay", help="rebuild a recorded run's results from its record")
    src = rep.add_mutually_exclusive_group()
    src.add_argument("--file", help="a record file (carry export, carry backtest --record)")
    src.add_argument("--bus", default=None, help=f"{bus_help}; needs --run-id")
    rep.add_argument("--run-id", help="the run (required with --bus)")
    rep.add_argument("--out", help="results folder (default: results/replay-<run id>)")


def dispatch(args: argparse.Namespace) -> int | None:
    """Run the command if it is one of this module's; else None."""
    if args.command == "serve":
        return _serve(args)
    if args.command == "export":
        return _export(args)
    if args.command == "replay":
        return _replay(args)
    return None


def kafka_url(bus: str | None, what: str) -> KafkaUrl:
    """The Kafka URL of `--bus`; `ConfigError` if there is none."""
    if is_memory(bus):
        raise ConfigError(
            f"{what} needs a Kafka bus", f"pass --bus kafka://HOST:PORT or set {ENV_BUS}"
        )
    return parse_kafka_url(str(bus))


def _serve(args: argparse.Namespace) -> int:
    kinds = list(args.actors) or os.environ.get(ENV_ACTORS, "").replace(",", " ").split()
    if not kinds:
        raise ConfigError("carry serve needs actor kinds", f"name them or set {ENV_ACTORS}")
    unknown = [k for k in kinds if k not in KINDS or k == "recorder"]
    if unknown:
        served = ", ".join(sorted(k for k in KINDS if k != "recorder"))
        raise ConfigError(
            f"cannot serve {', '.join(unknown)}",
            f"use one of: {served} (the recorder runs in carry backtest)",
        )
    url = kafka_url(args.bus, "carry serve")
    anyio.run(_serve_until_signal, list(dict.fromkeys(kinds)), url, args.instance)
    return 0


async def _serve_until_signal(kinds: list[str], url: KafkaUrl, instance: str) -> None:
    stop = anyio.Event()
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for signum in signals:
                    if stop.is_set():
                        raise KeyboardInterrupt
                    structlog.get_logger().info("draining", signal=signum)
                    stop.set()

            tg.start_soon(watch)
            await serve(kinds, url, stop, instance)
            tg.cancel_scope.cancel()


def backtest_on_kafka(args: argparse.Namespace, config: RunConfig) -> int:
    """`carry backtest --bus kafka://...`: the same results folder as in-process."""
    url = parse_kafka_url(args.bus)
    if not args.run_id:
        # The default id is a digest of the inputs; on a bus a run id must be unique.
        config = msgspec.structs.replace(config, run_id=f"{config.run_id}-{uuid.uuid4().hex[:8]}")
    out_dir = Path(args.out or f"results/{config.mode}")
    progress = None if args.quiet else ProgressBar(config.mode)
    started = time.perf_counter()
    kinds = [k for k in config.actors if k != "recorder"]
    children = None if args.attach else Children(str(url), kinds, args.log_level)
    recorder: Recorder = anyio.run(_run_kafka, config, url, children, progress)
    wall = time.perf_counter() - started
    summary = write_results(out_dir, recorder, config)
    if args.record:
        events: list[Out] = anyio.run(read_run, url, config.run_id)
        write_record(Path(args.record), config.run_id, str(url), events)
    sys.stdout.write(format_summary(summary, str(out_dir), wall))
    sys.stdout.write(f"run id        {config.run_id} on {url}\n")
    return 0


async def _run_kafka(
    config: RunConfig, url: KafkaUrl, children: Children | None, progress: ProgressBar | None
) -> Recorder:
    stop = anyio.Event()
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for _ in signals:
                    stop.set()
                    return

            tg.start_soon(watch)
            recorder = await run_on_kafka(config, url, children is None, progress, stop, children)
            tg.cancel_scope.cancel()
    return recorder


def _export(args: argparse.Namespace) -> int:
    url = kafka_url(args.bus, "carry export")
    events: list[Out] = anyio.run(read_run, url, args.run_id)
    if not events:
        raise RecordError(
            f"no records of run {args.run_id} on {url}", "check --run-id and the bus namespace"
        )
    count = write_record(Path(args.out), args.run_id, str(url), events)
    sys.stdout.write(f"{count} events of run {args.run_id} written to {args.out}\n")
    return 0


def _replay(args: argparse.Namespace) -> int:
    if args.file:
        header, events = read_record(Path(args.file))
        run_id = args.run_id or header.run_id
    else:
        url = kafka_url(args.bus or os.environ.get(ENV_BUS), "carry replay without --file")
        if not args.run_id:
            raise ConfigError("carry replay --bus needs --run-id", "name the run to replay")
        run_id = args.run_id
        events = anyio.run(read_run, url, run_id)
    started = time.perf_counter()
    result = anyio.run(replay, events, run_id)
    if result.mismatches:
        raise RecordError(
            f"replay of run {run_id} differs from its record: " + "; ".join(result.mismatches),
            "the record is inconsistent (or the code changed since it was recorded)",
        )
    out_dir = Path(args.out or f"results/replay-{run_id}")
    summary = write_results(out_dir, result.recorder, result.config)
    sys.stdout.write(format_summary(summary, str(out_dir), time.perf_counter() - started))
    checked = ", ".join(f"{n} {t}" for t, n in result.checked.items())
    sys.stdout.write(f"replayed      {checked}: identical to the record\n")
    return 0
