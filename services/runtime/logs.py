"""structlog configuration: JSON lines with bound context, configured once at the edge.

Every record carries the process (`carry <command>`, its pid) and instance, and, when an
actor logs while handling an event, that event's `step` and simulated time (`sim_time`,
UTC). Records of libraries that log through the standard `logging` module (aiokafka,
ccxt, web3) go through the same processors, at the same level, to the same stream.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from services.runtime.current import CURRENT


def _sim_time(ns: int) -> str:
    when = dt.datetime.fromtimestamp(ns // 1_000_000_000, tz=dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_sim_time(_: Any, __: str, record: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add the handled event's step and simulated time unless the record has its own."""
    event = CURRENT.event
    if event is not None:
        record.setdefault("step", event.step)
        record.setdefault("sim_time", _sim_time(event.ts))
    return record


class Throttle(logging.Filter):
    """Lets a library's repeated message through at most once per `seconds` (wall clock:
    aiokafka logs every reconnect attempt)."""

    def __init__(self, prefixes: tuple[str, ...] = ("aiokafka",), seconds: float = 60.0) -> None:
        super().__init__()
        self.prefixes, self.seconds = prefixes, seconds
        self.last: dict[tuple[str, object], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat within the window."""
        if not record.name.startswith(self.prefixes):
            return True
        now = time.monotonic()
        key = (record.name, record.msg)
        if now - self.last.get(key, -self.seconds) < self.seconds:
            return False
        self.last[key] = now
        return True


class _Stderr:
    """Writes to whatever `sys.stderr` is at the time (it may be replaced after setup)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(
    level: str = "info",
    json: bool = True,
    stream: TextIO | None = None,
    process: str = "carry",
    instance: str | None = None,
) -> None:
    """Configure structlog, and the standard `logging` root for libraries, for the process.

    Args:
        level: minimum level name (`debug`, `info`, `warning`, `error`).
        json: JSON lines (services, files, pipes) or a console renderer (a terminal).
        stream: where to write; stderr by default so stdout stays for results.
        process: what this process is (`carry backtest`, `carry serve`).
        instance: the instance id (default `$CARRY_INSTANCE`, else 0).
    """
    out: Any = stream or _Stderr()
    numeric = logging.getLevelNamesMapping()[level.upper()]
    ident = {
        "process": process,
        "pid": os.getpid(),
        "instance": instance or os.environ.get("CARRY_INSTANCE") or "0",
    }

    def add_process(_: Any, __: str, record: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in ident.items():
            record.setdefault(key, value)
        return record

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        add_sim_time,
        add_process,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.addFilter(Throttle())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "carry", False)]:
        root.removeHandler(old)
    handler.carry = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(numeric)


def report_error(text: str, json: bool, code: int) -> None:
    """A user-facing error: plain text at a terminal, one JSON record otherwise."""
    if json:
        structlog.get_logger().error("error", error=text, exit_code=code)
    else:
        sys.stderr.write(f"error: {text}\n")
