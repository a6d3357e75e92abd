"""One `carry backtest` as the CLI runs it, timed by phase (run in its own process).

Prints one JSON line: seconds spent importing Carry, resolving the run and loading and
gridding its data, in the actors' loop, and writing the results folder, and the steps.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from services.cli.commands.backtest import resolve_data  # noqa: E402
from services.config.run import build_run_config  # noqa: E402
from services.launcher.backtest import check_inputs, run_memory  # noqa: E402
from services.recorder.results import write_results  # noqa: E402
from services.runtime.logs import configure_logging  # noqa: E402

IMPORTED = time.perf_counter()


def main() -> None:
    """Run the backtest described by the arguments and print its phases."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    parser.add_argument("--data")
    parser.add_argument("--out", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    configure_logging("warning", json=True)
    spec, window = resolve_data(args.data)
    config = build_run_config(args.mode, spec, args.overrides, None, window)
    check_inputs(config)
    loaded = time.perf_counter()
    cpu = time.process_time()
    recorder = run_memory(config)
    ran = time.perf_counter()
    cpu = time.process_time() - cpu
    write_results(Path(args.out), recorder, config)
    written = time.perf_counter()
    figures = {
        "steps": config.steps,
        "import_s": round(IMPORTED - STARTED, 3),
        "load_s": round(loaded - IMPORTED, 3),
        "run_s": round(ran - loaded, 3),
        "write_s": round(written - ran, 3),
        "run_cpu_s": round(cpu, 3),
    }
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
