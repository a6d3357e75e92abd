"""Time one in-process backtest (run in its own process, so peak memory is its own).

Prints one JSON line: wall seconds, steps, events, steps/s, events/s, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import anyio

from services.cli.commands.backtest import resolve_data
from services.config.run import build_run_config
from services.launcher.run import run_on_bus
from services.market_data.frame import market_frame
from services.runtime.memory import MemoryBus


def main() -> None:
    """Run the backtest described by the arguments and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    parser.add_argument("--data")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    spec, window = resolve_data(args.data)
    config = build_run_config(args.mode, spec, args.overrides, None, window)
    load_started = time.perf_counter()
    market_frame(config)
    load = time.perf_counter() - load_started
    bus = MemoryBus()
    started = time.perf_counter()
    recorder = anyio.run(run_on_bus, config, bus, config.actors)
    wall = time.perf_counter() - started
    steps = len(recorder.equity["step"])
    figures = {
        "mode": args.mode,
        "data": spec.description,
        "overrides": args.overrides,
        "steps": steps,
        "events": bus.published,
        "load_s": round(load, 3),
        "run_s": round(wall, 3),
        "steps_per_s": round(steps / wall),
        "events_per_s": round(bus.published / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "final_equity": recorder.last.equity if recorder.last else None,
    }
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
