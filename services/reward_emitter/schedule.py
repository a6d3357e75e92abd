"""The EtherFi reward schedule, read from the distribution files of the data folder.

Three sources (`manual_sources/etherfi_distributions/`), every figure per eETH:
- `eigen_distributions_raw.csv`: EIGEN per eETH for each staking period, paid the day
  after the period ends. A one-week period pays its `eigen_per_eeth_weekly`; a period of
  any other length pays the row's own total, `eigen_earned / (eth_restaked +
  eth_not_restaked)` (the 51-day 2024-08-15 .. 2024-10-05 period: 1.2312, not 0.205 for
  each of its weeks), and the run's notes say so.
- `ethfi_topups_raw.csv`: ETHFI per eETH distributed, paid on the top-up date.
- `seasonal_drops.csv`: the seasonal ETHFI airdrops (rows named "Season ..."). They are
  estimates, published as two ranges that disagree: tokens per eETH (`reward_per_eeth`,
  "~5-15") and the season's extra yield as a percentage of the position
  (`extra_yield_pct`, "~0.2-0.6%"). The run takes the same point of both ranges
  (`seasonal_drop_estimate`: low, midpoint, high) and pays the lower of the two per-eETH
  figures they imply (`Drop.figures`); the yield figure needs the token's price at payout.
  Season windows run from start_date to end_date exclusive.
Eligibility is the eETH held (weETH units x the weETH/ETH rate), averaged over the
window's hours (hours outside the run count as zero), times the per-eETH figure.
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
WEEK_NS = 7 * DAY_NS
RANGE = re.compile(r"^~?\s*([0-9.]+)\s*(?:[–-]\s*([0-9.]+))?\s*(%?)$")
MAX_PER_EETH = 1000.0
"""Most tokens a drop can pay per eETH: the published figures are under 16."""
PER_EETH = "reward_per_eeth"
"""`Drop.figures` key: the per-eETH figure read from the per-eETH range."""
EXTRA_YIELD = "extra_yield_pct"
"""`Drop.figures` key: the season's extra yield as a fraction of the position."""


class Drop(NamedTuple):
    """One reward drop.

    Attributes:
        drop: identifier (`eigen/2024-10-12`).
        token: `EIGEN` or `ETHFI`.
        start_ns: start of the eligibility window.
        end_ns: end of the window (exclusive).
        payout_ns: when it is credited.
        per_eeth: tokens per eETH held on average over the window (for an estimate:
            the per-eETH range's figure at the chosen point, before the yield bound).
        note: how the figure was derived, when it is not the file's number as is.
        estimated: a season airdrop estimated from ranges, not a published figure.
        yield_fraction: for an estimate, the extra yield range at the chosen point as a
            fraction of the position (0.0025 for 0.25 %), or None when the row has none.
    """

    drop: str
    token: str
    start_ns: int
    end_ns: int
    payout_ns: int
    per_eeth: float
    note: str
    estimated: bool = False
    yield_fraction: float | None = None

    def figures(self, token_eth: float | None) -> dict[str, float]:
        """The per-eETH figures this drop's sources imply, by source column.

        Args:
            token_eth: the token's price in ETH at payout (None: not known).
        """
        out = {PER_EETH: self.per_eeth}
        if self.yield_fraction is not None and token_eth:
            out[EXTRA_YIELD] = self.yield_fraction / token_eth
        return out

    def rate(self, token_eth: float | None) -> float:
        """Tokens per eETH paid: the lowest figure the sources imply."""
        return min(self.figures(token_eth).values())


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
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return [(i + 2, row) for i, row in enumerate(csv.DictReader(f))]
    except (UnicodeDecodeError, csv.Error) as e:
        raise DataError(
            f"reward file {FOLDER}/{name} in {root} is not a readable CSV ({e})",
            "restore the file from the original export",
        ) from e


def _point(text: str, estimate: str, file: str, line: int, column: str) -> tuple[float, bool]:
    """The chosen point of a range ("~5-15", "~0.1-0.4%") or a plain number; is it a range?"""
    match = RANGE.match(text.strip())
    if not match:
        raise DataError(
            f"{file} line {line}: {column} {text!r} is not a number",
            "give a number or a range like ~5-15",
        )
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    value = {"low": low, "high": high, "midpoint": (low + high) / 2}[estimate]
    return (value / 100 if match.group(3) else value), match.group(2) is not None


def _required(row: dict[str, str], column: str, file: str, line: int) -> str:
    value = _text(row, column)
    if not value:
        raise DataError(
            f"{file} line {line}: {column} is missing",
            f"fill in {column} (a payout cannot be credited without it)",
        )
    return value


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _number(row: dict[str, str], column: str, file: str, line: int) -> float:
    text = _required(row, column, file, line)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 and value < float("inf")):
        raise DataError(
            f"{file} line {line}: {column} {text!r} is not a finite number >= 0",
            f"give {column} as a plain number in {file}",
        )
    return value


def _plausible(rate: float, file: str, line: int, column: str) -> float:
    if rate > MAX_PER_EETH:
        raise DataError(
            f"{file} line {line}: {column} gives {rate:.6g} tokens per eETH, more than any "
            f"drop could pay (at most {MAX_PER_EETH:g}; the published figures are under 16)",
            f"correct {column} in {file}",
        )
    return rate


def _eigen(root: Path) -> list[Drop]:
    name = "eigen_distributions_raw.csv"
    drops = []
    for line, row in _rows(root, name):
        start = _day(_required(row, "staking_period_start", name, line), name, line, "start")
        last = _day(_required(row, "staking_period_end", name, line), name, line, "end")
        end = last + DAY_NS
        rate = _number(row, "eigen_per_eeth_weekly", name, line)
        note = ""
        if end - start != WEEK_NS:
            earned = _number(row, "eigen_earned", name, line)
            eeth = _number(row, "eth_restaked", name, line)
            eeth += _number(row, "eth_not_restaked", name, line)
            if eeth <= 0:
                raise DataError(
                    f"{name} line {line}: eth_restaked + eth_not_restaked is 0",
                    "give the period's eETH totals (a period that is not one week long "
                    "pays eigen_earned / eETH)",
                )
            days = (end - start) // DAY_NS
            note = (
                f"the period {_text(row, 'staking_period_start')} .. "
                f"{_text(row, 'staking_period_end')} ({days} days counting both ends) is not "
                f"one week long: it pays its own total, eigen_earned / (eth_restaked + "
                f"eth_not_restaked) = {earned / eeth:.4f} EIGEN per eETH, not its weekly "
                f"figure {rate:g}"
            )
            rate = earned / eeth
        rate = _plausible(rate, name, line, "eigen_per_eeth_weekly" if not note else "eigen_earned")
        day = dt.datetime.fromtimestamp(last / 1e9, tz=dt.UTC).date().isoformat()
        drops.append(Drop(f"eigen/{day}", "EIGEN", start, end, end, rate, note))
    return drops


def _topups(root: Path) -> list[Drop]:
    name = "ethfi_topups_raw.csv"
    drops = []
    for line, row in _rows(root, name):
        payout = _day(_required(row, "top_up_date", name, line), name, line, "top_up_date")
        start = _day(_required(row, "staking_period_start", name, line), name, line, "start")
        end = _day(_required(row, "staking_period_end", name, line), name, line, "end") + DAY_NS
        rate = _plausible(
            _number(row, "ethfi_per_eeth_distributed", name, line),
            name,
            line,
            "ethfi_per_eeth_distributed",
        )
        day = _required(row, "top_up_date", name, line)
        drops.append(Drop(f"ethfi-topup/{day}", "ETHFI", start, end, payout, rate, ""))
    return drops


def _seasons(root: Path, estimate: str) -> list[Drop]:
    name = "seasonal_drops.csv"
    drops = []
    for line, row in _rows(root, name):
        event = (row.get("event") or "").strip()
        if not event.startswith("Season"):
            continue  # top-ups are read, with more rows, from ethfi_topups_raw.csv
        payout = _day(_required(row, "payout_date", name, line), name, line, "payout_date")
        start = _day(_required(row, "start_date", name, line), name, line, "start_date")
        end = _day(_required(row, "end_date", name, line), name, line, "end_date")
        token = _required(row, "reward_token", name, line)
        text = _required(row, PER_EETH, name, line)
        rate = _plausible(_point(text, estimate, name, line, PER_EETH)[0], name, line, PER_EETH)
        note = f"{PER_EETH} {text}: {estimate} {rate:g}"
        share = None
        yield_text = _text(row, EXTRA_YIELD)
        if yield_text:
            share, _ = _point(yield_text, estimate, name, line, EXTRA_YIELD)
            note += f"; {EXTRA_YIELD} {yield_text}: {estimate} {share:.4%} of the position"
        drops.append(Drop(f"season/{event}", token, start, end, payout, rate, note, True, share))
    return drops


@cache
def load_drops(data_dir: str, estimate: str) -> tuple[Drop, ...]:
    """Every EtherFi drop, sorted by payout then id.

    Raises:
        DataError: a file is missing or unreadable, or a row lacks a figure it needs.
    """
    root = Path(data_dir)
    drops = [*_eigen(root), *_topups(root), *_seasons(root, estimate)]
    return tuple(sorted(drops, key=lambda d: (d.payout_ns, d.drop)))
