"""Time stamps: the formats found in the data files, parsing to int64 ns UTC, and formatting.

All times inside Carry are int64 nanoseconds since the Unix epoch, UTC. The data files
use five spellings, named by `TimeFormat`:

- ``iso_z``: ``2024-01-01T00:00:00Z`` (CEX prices, funding, gas, Aave daily `targetDate`);
- ``iso_space_offset``: ``2024-05-12 01:00:00+00:00`` (hourly oracles, peg analysis);
- ``iso_offset_z``: ``2024-05-12T01:00:00+00:00Z`` (base-yield files: offset *and* Z);
- ``unix_s``: ``1704067200`` (Uniswap candles, the daily USDT oracle);
- ``date``: ``2024-05-12`` (daily files, midnight UTC).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

TimeFormat = Literal["iso_z", "iso_space_offset", "iso_offset_z", "unix_s", "date"]

SECOND_NS = 1_000_000_000
MINUTE_NS = 60 * SECOND_NS
HOUR_NS = 3600 * SECOND_NS
DAY_NS = 24 * HOUR_NS

INVALID = np.iinfo(np.int64).min
_CLIP_S = 9_000_000_000  # seconds; ~year 2255, far outside any plausible stamp
"""Marks a stamp that did not parse."""

# strptime patterns shared by the vectorised (Arrow) and the per-row (Python) parser.
_STRPTIME: dict[str, str] = {
    "iso_z": "%Y-%m-%dT%H:%M:%SZ",
    "iso_space_offset": "%Y-%m-%d %H:%M:%S%z",
    "iso_offset_z": "%Y-%m-%dT%H:%M:%S%zZ",
    "date": "%Y-%m-%d",
}

EXAMPLES: dict[str, str] = {
    "iso_z": "2024-01-01T00:00:00Z",
    "iso_space_offset": "2024-05-12 01:00:00+00:00",
    "iso_offset_z": "2024-05-12T01:00:00+00:00Z",
    "unix_s": "1704067200",
    "date": "2024-05-12",
}

# Plausible range for market-data stamps: a value outside it is a units error
# (milliseconds read as seconds, or the reverse), not a date.
_MIN_NS = int(np.datetime64("2009-01-01T00:00:00", "ns").astype(np.int64))
_MAX_NS = int(np.datetime64("2100-01-01T00:00:00", "ns").astype(np.int64))


def parse_time_array(values: pa.Array | pa.ChunkedArray, fmt: TimeFormat) -> npt.NDArray[np.int64]:
    """Parse a string column to int64 ns UTC, vectorised.

    Args:
        values: the raw strings of the time column.
        fmt: the column's spelling.

    Returns:
        The stamps; unparseable entries are returned as ``INVALID`` (the caller names the row).
    """
    if fmt == "unix_s":
        digits = pc.match_substring_regex(values, r"^\s*-?\d{1,18}\s*$")
        ok = pc.fill_null(digits, False)
        cleaned = pc.if_else(ok, values, pa.scalar("0"))
        secs = pc.cast(pc.utf8_trim_whitespace(cleaned), pa.int64()).to_numpy(zero_copy_only=False)
        # Clip before scaling so milliseconds cannot overflow: they then fail the
        # plausibility check (`implausible_stamps`) and are reported as a units error.
        secs = np.clip(np.asarray(secs, dtype=np.int64), -_CLIP_S, _CLIP_S)
        out: npt.NDArray[np.int64] = secs * SECOND_NS
        out[~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)] = INVALID
        return out
    parsed = pc.strptime(values, format=_STRPTIME[fmt], unit="s", error_is_null=True)
    mask = np.asarray(pc.is_null(parsed).to_numpy(zero_copy_only=False), dtype=bool)
    secs = pc.fill_null(pc.cast(parsed, pa.int64()), 0).to_numpy(zero_copy_only=False)
    parsed_ns: npt.NDArray[np.int64] = np.asarray(secs, dtype=np.int64) * SECOND_NS
    parsed_ns[mask] = INVALID
    return parsed_ns


def parse_time_value(text: str, fmt: TimeFormat) -> int:
    """Parse one stamp to int64 ns UTC with the same rules as `parse_time_array`.

    Raises:
        ValueError: the text is not in the expected format.
    """
    value = int(parse_time_array(pa.array([text.strip()]), fmt)[0])
    if value == INVALID:
        raise ValueError(f"{text!r} is not a {fmt} time stamp like {EXAMPLES[fmt]!r}")
    return value


def implausible_stamps(ts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Mask of stamps outside 2009..2100: a units error rather than a date."""
    return (ts < _MIN_NS) | (ts > _MAX_NS)


def parse_when(text: str) -> int:
    """Parse a user-given instant (``2024-01-01``, ``2024-01-01T08:00``, ``...Z``) to ns UTC.

    Raises:
        ValueError: the text is not an ISO date or date-time.
    """
    cleaned = text.strip().removesuffix("Z").removesuffix("+00:00")
    return int(np.datetime64(cleaned, "ns").astype(np.int64))


def iso(ns: int | np.integer) -> str:
    """Format ns UTC as ``2024-01-01T00:00:00Z``."""
    return str(np.datetime64(int(ns), "ns").astype("datetime64[s]")) + "Z"


def short(ns: int | np.integer) -> str:
    """Format ns UTC as ``2024-01-01 00:00`` for tables."""
    return str(np.datetime64(int(ns), "ns").astype("datetime64[m]")).replace("T", " ")


def duration(ns: int | np.integer) -> str:
    """Format a length of time for people: ``31 days 8 h``, ``1 day``, ``5 h``, ``90 s``."""
    total = int(ns)
    days, rest = divmod(total, DAY_NS)
    hours, rest = divmod(rest, HOUR_NS)
    minutes, rest = divmod(rest, MINUTE_NS)
    parts = []
    if days:
        parts.append(f"{days} day" + ("s" if days != 1 else ""))
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if rest or not parts:
        parts.append(f"{rest / SECOND_NS:g} s")
    return " ".join(parts)


def filename_dates(name: str) -> tuple[int, int] | None:
    """The ``START_END`` dates a data file name claims (``..._2024-01-01_2025-09-30.csv``)."""
    found = re.findall(r"(\d{4}-\d{2}-\d{2})", name)
    if len(found) < 2:
        return None
    try:
        return parse_when(found[0]), parse_when(found[1])
    except ValueError:
        return None
