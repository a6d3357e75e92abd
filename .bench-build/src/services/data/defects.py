"""What is wrong with a data file: one `Defect` per finding, readable and machine-checkable."""

from __future__ import annotations

import math
from typing import Literal

import msgspec
import numpy as np

DefectKind = Literal[
    "duplicate",  # repeated time stamps (kept the first)
    "gap",  # a step longer than the series' usual step
    "coverage",  # starts later / ends earlier than the folder or the file name says
    "impossible",  # a value that cannot be: empty, NaN, infinite, <= 0 for a price (dropped)
    "outlier",  # a bad tick: a spike, a value beyond its cap, a rate going backwards (dropped)
    "falls",  # an exchange rate that falls and stays down (slashing, a stress scenario): kept
    "units",  # values that look like the wrong unit (percent, rays, milliseconds)
    "broken",  # the file cannot be used at all (see the detail for what to use instead)
    "comment_lines",  # leading '#' lines before the CSV header (skipped)
    "inverted_margin",  # maintenance margin above initial margin
    "unsorted",  # rows not in time order (sorted on load)
    "missing",  # no file for a catalog entry
    "range_values",  # text ranges ("~5–15") where numbers are expected
    "constant_price",  # a price column fixed at one value for the whole file
    "interpolated",  # straight lines between sparse points: no information in between
]

UNUSABLE_KINDS: frozenset[str] = frozenset({"units", "broken"})
"""Defect kinds that make a series unfit for a simulation run."""
REPAIRED: frozenset[str] = frozenset({"impossible", "outlier"})
"""Defect kinds whose rows were dropped and are filled like missing ones."""


class Defect(msgspec.Struct, frozen=True, kw_only=True):
    """One finding about one data file.

    Attributes:
        series: the catalog name (``okx:funding:BTCUSDT``) or input name.
        file: the file, relative to the data folder ("" when no file exists).
        kind: what sort of problem it is.
        count: how many rows / stamps / files are affected (for a gap: the missing steps).
        first: ISO time (or row label) where it starts, "" when not about time.
        last: ISO time (or row label) where it ends, "" when not about time.
        detail: one human sentence saying what was found and what the loader did.
        line: the file line of a one-row finding (1 = the first line), else 0.
        column: the column of a one-row finding, else "".
        value: the value found in that row and column (None when not a number).
    """

    series: str
    file: str
    kind: DefectKind
    count: int
    first: str = ""
    last: str = ""
    detail: str = ""
    line: int = 0
    column: str = ""
    value: float | None = None


class DefectLog:
    """Collects the defects of one file of one series.

    Args:
        series: the catalog name.
        file: the file, relative to the data folder.
    """

    def __init__(self, series: str, file: str) -> None:
        self.series = series
        self.file = file
        self.defects: list[Defect] = []

    def add(
        self, kind: DefectKind, count: int | np.integer, first: str, last: str, detail: str
    ) -> None:
        """Record one defect."""
        self.defects.append(
            Defect(
                series=self.series,
                file=self.file,
                kind=kind,
                count=int(count),
                first=first,
                last=last,
                detail=detail,
            )
        )

    def row(
        self, kind: DefectKind, when: str, line: int, column: str, value: float, detail: str
    ) -> None:
        """Record a finding about one row: its time, file line, column, value and what."""
        number = float(value)
        self.defects.append(
            Defect(
                series=self.series,
                file=self.file,
                kind=kind,
                count=1,
                first=when,
                last=when,
                detail=f"line {line}: {detail}",
                line=line,
                column=column,
                value=number if math.isfinite(number) else None,
            )
        )


def plural(n: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {word}" + ("" if n == 1 else "s")
