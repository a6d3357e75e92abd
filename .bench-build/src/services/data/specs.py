"""The shapes of catalog entries: how a series is found, parsed and sanity-checked."""

from __future__ import annotations

from typing import Literal

import msgspec

from services.data.times import TimeFormat

SeriesKind = Literal["price", "funding", "aave_index", "oracle", "gas", "peg", "yield"]
Method = Literal["previous", "linear"]
InputFormat = Literal["csv", "json"]


class Bounds(msgspec.Struct, frozen=True, kw_only=True):
    """The plausible values of one column.

    Attributes:
        positive: rows with a value <= 0 are impossible and dropped (prices, gas).
        lo: lowest plausible value (inclusive).
        hi: highest plausible value (inclusive).
        out_kind: what a row outside ``[lo, hi]`` is: an ``outlier`` (a bad tick: reported
            with its line and dropped) or ``broken`` (any such row makes the file unusable).
        units_hint: when more than half the values are outside ``[lo, hi]`` the column is
            in the wrong unit; this says which (reported as a ``units`` defect).
        fix: what to use instead when the column is broken.
        label: what the limits are, for messages ("Binance's BTCUSDT funding cap").
    """

    positive: bool = False
    lo: float | None = None
    hi: float | None = None
    out_kind: Literal["outlier", "broken"] = "outlier"
    units_hint: str = ""
    fix: str = ""
    label: str = ""


class ColumnSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A value column kept from the file, read as float64.

    Attributes:
        name: the CSV header name.
        unit: what one unit of the value is (``USDT``, ``per 8h``, ``annual``, ``index``).
        bounds: the plausible range.
        spikes: a market price: a value that jumps and reverts against its neighbours (and
            against the same instrument on other venues) is a bad tick.
        rises: a value that grows: ``index`` (an Aave index, which never falls: a lasting
            fall makes the file unusable) or ``exchange_rate`` (an LST rate, which falls
            only when the protocol is slashed: a lasting fall is reported and kept). Either
            way a value that goes back and returns is a bad tick.
    """

    name: str
    unit: str
    bounds: Bounds = Bounds()
    spikes: bool = False
    rises: Literal["", "index", "exchange_rate"] = ""


class SeriesSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One time series Carry reads.

    Attributes:
        name: the stable id, ``venue:kind:symbol`` (``binance:perp:BTCUSDT``).
        pattern: glob relative to the data folder; ``*`` and ``?`` only in the file name.
            When several files match, the loader takes the one whose file name claims the
            longest ``START_END`` date span (ties: the later end, then the later name); a
            name without two dates among several matches is an error.
        time_column: the CSV column holding the stamp.
        time_format: its spelling (see `services.data.times`).
        columns: the value columns kept (float64); every other column is ignored.
        step_ns: the usual spacing of rows; a longer step is reported as a gap.
        kind: what the series is.
        method: how to put it on the hourly grid: ``previous`` (last value at or before)
            or ``linear`` (daily points: Aave indices, the daily oracle).
        description: one line for people.
        note: caveats for users of the series.
    """

    name: str
    pattern: str
    time_column: str
    time_format: TimeFormat
    columns: tuple[ColumnSpec, ...]
    step_ns: int
    kind: SeriesKind
    method: Method
    description: str
    note: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """The kept value columns, in catalog order."""
        return tuple(c.name for c in self.columns)

    @property
    def folder(self) -> str:
        """The folder part of the pattern."""
        return self.pattern.rpartition("/")[0]

    @property
    def file_glob(self) -> str:
        """The file-name part of the pattern."""
        return self.pattern.rpartition("/")[2]


class InputSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A non-series input (reward schedules, cost tables, venue parameters).

    Attributes:
        name: the stable id (``etherfi:seasonal_drops``, ``margin:binance``).
        pattern: glob relative to the data folder (same file-choice rule as series).
        format: ``csv`` or ``json``.
        description: one line for people.
    """

    name: str
    pattern: str
    format: InputFormat
    description: str
