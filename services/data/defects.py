"""What is wrong with a data file: one `Defect` per finding, readable and machine-checkable."""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np

DefectKind = Literal[
    "duplicate",  # repeated time stamps (kept the first)
    "gap",  # a step longer than the series' usual step
    "coverage",  # starts later / ends earlier than the folder or the file name says
    "impossible",  # values outside the plausible range, NaN or empty (dropped or kept: see detail)
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
    """

    series: str
    file: str
    kind: DefectKind
    count: int
    first: str = ""
    last: str = ""
    detail: str = ""


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


def plural(n: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {word}" + ("" if n == 1 else "s")
