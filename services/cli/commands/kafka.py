"""`carry serve`, `carry export` and `carry replay`.

Every option a container needs has an environment variable: `CARRY_BUS` (the bus
URL), `CARRY_ACTORS` (what `serve` runs, comma- or space-separated), `CARRY_INSTANCE`,
`CARRY_DATA`, `CARRY_LOG_LEVEL` and `CARRY_METRICS_ADDR`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

from services.cli.commands.env import (
    BUS_HELP,
    ENV_ACTORS,
    ENV_INSTANCE,
    ENV_METRICS_ADDR,
    add_broker_timeout,
    env_bus,
    kafka_url,
)
from services.cli.summary import format_summary
from services.errors import ConfigError
from services.launcher.http import parse_addr
from services.launcher.records import export_run, replay_run
from services.launcher.serve import DEFAULT_METRICS_ADDR, ServeOptions, serve_until_signal
from services.registry import KINDS
from services.runtime.kafka.members import check_instance


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `serve`, `export` and `replay`."""
    srv = sub.add_parser(
        "serve", parents=[common], help="run actors on Kafka until stopped (SIGTERM drains)"
    )
    srv.add_argument("actors", nargs="*", help=f"actor kinds (default: ${ENV_ACTORS})")
    srv.add_argument("--bus", default=env_bus(), help=BUS_HELP)
    srv.add_argument(
        "--instance",
        default=os.environ.get(ENV_INSTANCE) or None,
        help=f"member id in each kind's group, refused if a live process holds it "
        f"(${ENV_INSTANCE}; default: the first free <host>.<n>)",
    )
    srv.add_argument(
        "--metrics-addr",
        default=os.environ.get(ENV_METRICS_ADDR, DEFAULT_METRICS_ADDR),
        metavar="HOST:PORT",
        help=f"where /healthz and /metrics answer (${ENV_METRICS_ADDR}; default "
        f"{DEFAULT_METRICS_ADDR}: loopback, any free port, logged)",
    )
    add_broker_timeout(srv)
    srv.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    srv.set_defaults(handler=_serve)

    exp = sub.add_parser(
        "export", parents=[common], help="write a recorded Kafka run to a record file"
    )
    exp.add_argument("--bus", default=env_bus(), help=BUS_HELP)
    exp.add_argument("--run-id", required=True)
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.set_defaults(handler=_export)

    rep = sub.add_parser(
        "replay", parents=[common], help="rebuild a recorded run's results from its record"
    )
    src = rep.add_mutually_exclusive_group()
    src.add_argument("--file", help="a record file (carry export, carry backtest --record)")
    src.add_argument("--bus", default=None, help=f"{BUS_HELP}; needs --run-id")
    rep.add_argument("--run-id", help="the run (required with --bus)")
    rep.add_argument("--out", help="results folder (default: results/replay-<run id>)")
    rep.set_defaults(handler=_replay)


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
    parse_addr(args.metrics_addr)
    options = ServeOptions(
        instance=check_instance(args.instance) if args.instance else None,
        metrics_addr=args.metrics_addr,
        broker_timeout_s=args.broker_timeout,
        parent=args.parent,
    )
    anyio.run(serve_until_signal, list(dict.fromkeys(kinds)), url, options)
    return 0


def _export(args: argparse.Namespace) -> int:
    url = kafka_url(args.bus, "carry export")
    count = export_run(url, args.run_id, Path(args.out))
    sys.stdout.write(f"{count} events of run {args.run_id} written to {args.out}\n")
    return 0


def _replay(args: argparse.Namespace) -> int:
    file = Path(args.file) if args.file else None
    url = None if file else kafka_url(args.bus or env_bus(), "carry replay without --file")
    if file is None and not args.run_id:
        raise ConfigError("carry replay --bus needs --run-id", "name the run to replay")
    out = Path(args.out) if args.out else None
    finished, checked = replay_run(out, file, url, args.run_id)
    sys.stdout.write(format_summary(finished.summary, str(finished.out_dir), finished.wall_s))
    counts = ", ".join(f"{n} {t}" for t, n in checked.items())
    sys.stdout.write(f"replayed      {counts}: identical to the record\n")
    return 0
