"""The EtherFi reward schedule, read from the distribution files of the data folder.

Three sources (`manual_sources/etherfi_distributions/`):
- `eigen_distributions_raw.csv`: EIGEN per eETH for each staking period. Periods of a
  week or so pay their figure once; the figure is named weekly, so the one 51-day
  catch-up period (2024-08-15 .. 2024-10-05) pays it for each of its weeks. Paid the day
  after the period ends.
- `ethfi_topups_raw.csv`: ETHFI per eETH distributed, paid on the top-up date.
- `seasonal_drops.csv`: the seasonal ETHFI airdrops (rows named "Season ..."); their
  per-eETH figures are ranges ("~5-15"): the run uses the low end, the midpoint or the
  high end (`seasonal_drop_estimate`) and says so in its notes. Season windows run from
  start_date to end_date exclusive (consecutive seasons share a boundary date).
Eligibility is the weETH held, averaged over the window's hours (hours outside the run
count as zero), times the per-eETH figure.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from services.errors import DataError

FOLDER = "manual_sources/etherfi_distributions"
DAY_NS = 86_400_000_000_000
RANGE = re.compile(r"^~?\s*([0-9.]+)\s*[–-]\s*([0-9.]+)\s*$")


class Drop(NamedTuple):
    """One reward drop.

    Attributes:
        drop: identifier (`eigen/2024-10-12`).
        token: `EIGEN` or `ETHFI`.
        start_ns: start of the eligibility window.
        end_ns: end of the window (exclusive).
        payout_ns: when it is credited.
        per_eeth: tokens per eETH held on average over the window.
        note: how the figure was derived, when it is not the file's number.
    """

    drop: str
    token: str
    start_ns: int
    end_ns: int
    payout_ns: int
    per_eeth: float
    note: str


def _day(text: str, file: str, line: int, column: str) -> int:
    try:
        when = dt.datetime.fromisoformat(text.strip()).replace(tzinfo=dt.UTC)
    except ValueError as e:
        raise DataError(
            f"{file} line {line}: {column} {text!r} is not a date",
            f"give {column} as YYYY-MM-DD in {file}",
        ) from e
    return int(when.timestamp()) * 1_000_000_000


def _rows(root: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    path = root / FOLDER / name
    if not path.is_file():
        raise DataError(
            f"reward file {FOLDER}/{name} is missing from {root}",
            "restore it, or use --set lst_type=wsteth (no EtherFi rewards)",
        )
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(f))]


def _number(text: str, estimate: str, file: str, line: int) -> tuple[float, str]:
    match = RANGE.match(text.strip())
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        value = {"low": low, "high": high, "midpoint": (low + high) / 2}[estimate]
        return value, f"range {text.strip()}: {estimate} {value:g} used"
    try:
        return float(text.strip().lstrip("~")), ""
    except ValueError as e:
        raise DataError(
            f"{file} line {line}: reward_per_eeth {text!r} is not a number",
            "give a number or a range like ~5-15",
        ) from e


def _required(row: dict[str, str], column: str, file: str, line: int) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise DataError(
            f"{file} line {line}: {column} is missing",
            f"fill in {column} (a payout cannot be credited without it)",
        )
    return value


@cache
def load_drops(data_dir: str, estimate: str) -> tuple[Drop, ...]:
    """Every EtherFi drop, sorted by payout then id."""
    root = Path(data_dir)
    drops: list[Drop] = []
    name = "eigen_distributions_raw.csv"
    for line, row in _rows(root, name):
        start = _day(_required(row, "staking_period_start", name, line), name, line, "start")
        last = _day(_required(row, "staking_period_end", name, line), name, line, "end")
        end = last + DAY_NS
        rate = float(_required(row, "eigen_per_eeth_weekly", name, line))
        weeks = (end - start) / (7 * DAY_NS)
        note = ""
        if weeks > 8 / 7:
            note = f"weekly figure {rate} paid for {weeks:.2f} weeks"
            rate *= weeks
        day = dt.datetime.fromtimestamp(last / 1e9, tz=dt.UTC).date().isoformat()
        drops.append(Drop(f"eigen/{day}", "EIGEN", start, end, end, rate, note))
    name = "ethfi_topups_raw.csv"
    for line, row in _rows(root, name):
        payout = _day(_required(row, "top_up_date", name, line), name, line, "top_up_date")
        start = _day(_required(row, "staking_period_start", name, line), name, line, "start")
        end = _day(_required(row, "staking_period_end", name, line), name, line, "end") + DAY_NS
        rate = float(_required(row, "ethfi_per_eeth_distributed", name, line))
        day = _required(row, "top_up_date", name, line)
        drops.append(Drop(f"ethfi-topup/{day}", "ETHFI", start, end, payout, rate, ""))
    name = "seasonal_drops.csv"
    for line, row in _rows(root, name):
        event = (row.get("event") or "").strip()
        if not event.startswith("Season"):
            continue  # top-ups are read, with more rows, from ethfi_topups_raw.csv
        payout = _day(_required(row, "payout_date", name, line), name, line, "payout_date")
        start = _day(_required(row, "start_date", name, line), name, line, "start_date")
        end = _day(_required(row, "end_date", name, line), name, line, "end_date")
        token = _required(row, "reward_token", name, line)
        rate, note = _number(_required(row, "reward_per_eeth", name, line), estimate, name, line)
        drops.append(Drop(f"season/{event}", token, start, end, payout, rate, note))
    return tuple(sorted(drops, key=lambda d: (d.payout_ns, d.drop)))
