"""`carry`: backtests, past runs and comparisons, data checks, actors on Kafka, replays,
verification against real protocol code."""

from __future__ import annotations

import argparse
import os
import sys
from signal import SIGPIPE

from services.cli.commands import (
    backtest,
    compare,
    completion,
    data,
    kafka,
    live,
    modes,
    runs,
    signals,
    sweep,
    verify,
)
from services.cli.commands.env import ENV_LOG_FORMAT, ENV_LOG_LEVEL
from services.errors import CarryError, innermost
from services.runtime.logs import configure_logging, report_error
from services.version import carry_version

COMMANDS = (backtest, sweep, runs, compare, modes, data, signals, kafka, live, verify, completion)
"""Command modules, in the order `carry --help` lists them."""

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("auto", "json", "console")
EXIT_CODES = """exit codes:
  0    success
  1    the command completed but a check failed (e.g. carry data check: a series is unusable)
  2    bad input: an unknown mode or parameter, an invalid file, a folder that is not a run
  130  interrupted: nothing was written"""


def _common() -> argparse.ArgumentParser:
    """Options every command accepts, before or after its name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=argparse.SUPPRESS,
        help=f"log level (default: ${ENV_LOG_LEVEL}, else warning)",
    )
    common.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=argparse.SUPPRESS,
        help=f"json lines or console text (default: ${ENV_LOG_FORMAT}, else auto: console on "
        "a terminal, json otherwise)",
    )
    return common


def parser() -> argparse.ArgumentParser:
    """The `carry` argument parser with every command."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="carry",
        description=__doc__,
        parents=[common],
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"carry {carry_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(sub, common)
    return parser


def _closed_stdout() -> int:
    """The reader of stdout went away (`carry modes | head`): stop quietly, as `cat` does.

    What is still buffered for the closed pipe is dropped at exit instead of raising
    again; the exit code is the shell's for a process ended by SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `carry` command."""
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _closed_stdout()


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    if not hasattr(args, "log_level"):
        args.log_level = os.environ.get(ENV_LOG_LEVEL) or "warning"
    if args.log_level not in LOG_LEVELS:
        sys.stderr.write(
            f"error: {ENV_LOG_LEVEL}={args.log_level!r} is not a log level\n"
            f"  fix: use one of: {', '.join(LOG_LEVELS)}\n"
        )
        return 2
    fmt = getattr(args, "log_format", None) or os.environ.get(ENV_LOG_FORMAT) or "auto"
    if fmt not in LOG_FORMATS:
        sys.stderr.write(
            f"error: {ENV_LOG_FORMAT}={fmt!r} is not a log format\n"
            f"  fix: use one of: {', '.join(LOG_FORMATS)}\n"
        )
        return 2
    json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    configure_logging(
        args.log_level,
        json=json,
        process=f"carry {args.command}",
        instance=getattr(args, "instance", None),
    )
    try:
        code: int = args.handler(args)
        return code
    except (CarryError, KeyboardInterrupt, BaseExceptionGroup) as raised:
        error = innermost(raised)
        if isinstance(error, KeyboardInterrupt):
            sys.stderr.write("interrupted: nothing was written\n")
            return 130
        if not isinstance(error, CarryError):
            raise
        report_error(str(error), json, error.exit_code)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
