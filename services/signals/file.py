"""A signal file: CSV `timestamp,signal,confidence,sd`, one row per signal.

- `timestamp`: when the signal is known, ISO 8601 UTC (`2024-09-01T00:00:00Z`); it
  applies from the first step at or after it until the next row.
- `signal`: `long`, `short` or `neutral`.
- `confidence`: 0..1.
- `sd`: the expected standard deviation of the price over the signal's horizon, as a
  fraction of the price (0.02 = 2 %): stop-loss and take-profit are multiples of it.
A row that cannot be read stops the run with its file and line; duplicated timestamps
(the later row wins) and rows out of order (sorted) are defects reported in the run's
notes, as is a first signal after the run's start.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from functools import cache
from pathlib import Path
from typing import NamedTuple

from services.config.params import DirectionalParams
from services.config.run import RunConfig
from services.errors import DataError

COLUMNS = ("timestamp", "signal", "confidence", "sd")
SIGNALS = ("long", "short", "neutral")
FIX = "each row: timestamp (ISO UTC), signal (long|short|neutral), confidence (0..1), sd (> 0)"


class Signal(NamedTuple):
    """One row."""

    ts: int
    signal: str
    confidence: float
    sd: float


class SignalFile(NamedTuple):
    """A checked signal file: rows sorted by time, and what was wrong with it."""

    path: str
    rows: tuple[Signal, ...]
    defects: tuple[str, ...]


def _row(path: Path, line: int, row: dict[str, str]) -> Signal:
    where = f"signal file {path} line {line}"
    try:
        when = dt.datetime.fromisoformat(row["timestamp"].strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError) as e:
        raise DataError(f"{where}: timestamp {row['timestamp']!r} is not a time", FIX) from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    signal = (row["signal"] or "").strip().lower()
    if signal not in SIGNALS:
        raise DataError(f"{where}: signal {row['signal']!r} is not long|short|neutral", FIX)
    try:
        confidence, sd = float(row["confidence"]), float(row["sd"])
    except (TypeError, ValueError) as e:
        raise DataError(f"{where}: confidence or sd is not a number", FIX) from e
    if not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
        raise DataError(f"{where}: confidence {confidence} is outside 0..1", FIX)
    if not (math.isfinite(sd) and 0.0 < sd < 1.0):
        raise DataError(f"{where}: sd {sd} is not a fraction in (0, 1)", FIX)
    ts = int(when.timestamp()) * 1_000_000_000
    return Signal(ts, signal, confidence, sd)


@cache
def load_signals(path_text: str) -> SignalFile:
    """Read and check a signal file (cached per path).

    Raises:
        DataError: missing, unreadable, wrong header, or a row that cannot be read.
    """
    path = Path(path_text)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise DataError(
                    f"signal file {path} has columns {reader.fieldnames}, not {list(COLUMNS)}",
                    "write the header timestamp,signal,confidence,sd (carry signals make does)",
                )
            rows = [_row(path, i + 2, r) for i, r in enumerate(reader)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(
            f"cannot read signal file {path}: {e}", "write one with carry signals make"
        ) from e
    if not rows:
        raise DataError(f"signal file {path} has no rows", FIX)
    defects = []
    if any(b.ts < a.ts for a, b in itertools.pairwise(rows)):
        defects.append("rows out of time order: sorted")
    by_time: dict[int, Signal] = {}
    for r in rows:
        by_time[r.ts] = r
    if len(by_time) < len(rows):
        defects.append(f"{len(rows) - len(by_time)} duplicated timestamps: the later row used")
    ordered = tuple(sorted(by_time.values()))
    return SignalFile(str(path), ordered, tuple(defects))


def coverage_defects(signals: SignalFile, start_ns: int, staleness_ns: int) -> list[str]:
    """What the run will treat as neutral: before the first signal, and stale stretches."""
    out = []
    if signals.rows[0].ts > start_ns:
        first = dt.datetime.fromtimestamp(signals.rows[0].ts // 10**9, tz=dt.UTC)
        out.append(f"first signal at {first:%Y-%m-%d %H:%M} UTC, after the start: flat until then")
    gaps = sum(
        1
        for a, b in zip(signals.rows, signals.rows[1:], strict=False)
        if b.ts - a.ts > staleness_ns
    )
    if gaps:
        out.append(f"{gaps} gaps longer than signal_staleness_hours: neutral while stale")
    return out


def run_signals(config: RunConfig) -> SignalFile | None:
    """The run's checked signal file (None for modes without one)."""
    p = config.typed_params()
    if not isinstance(p, DirectionalParams):
        return None
    return load_signals(p.signal_file)


def signal_notes(config: RunConfig) -> list[str]:
    """The run's notes about its signal file: its defects, and what BTC margin means."""
    signals = run_signals(config)
    if signals is None:
        return []
    p = config.typed_params()
    assert isinstance(p, DirectionalParams)
    staleness = int(p.signal_staleness_hours * 3_600_000_000_000)
    found = [*signals.defects, *coverage_defects(signals, config.start_ns, staleness)]
    notes = [f"signal file {signals.path}: {d}" for d in found]
    if p.margin == "BTC":
        notes.append(
            "BTC margin: BTC capital kept at the venue; the USDT-margined perp's margin (half "
            "its notional) is swapped out of BTC and back, so unlike an inverse contract its "
            "P&L accrues in USDT until margin is released"
        )
    return notes
