"""A results folder's tables as numpy columns, the way the report charts read them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Floats = npt.NDArray[np.float64]
NS_PER_MS = 1_000_000


class Frame:
    """Column access on one Arrow table: times in epoch ms, floats with NaN for nulls."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.rows = table.num_rows

    def ms(self, name: str = "time") -> npt.NDArray[np.int64]:
        """A timestamp column as epoch milliseconds."""
        ns = self.table.column(name).cast(pa.int64()).to_numpy()
        return np.asarray(ns // NS_PER_MS, dtype=np.int64)

    def floats(self, name: str) -> Floats:
        """A numeric column as float64, nulls as NaN."""
        col = self.table.column(name).cast(pa.float64())
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)

    def strings(self, name: str) -> list[Any]:
        """A string column as Python values (None for nulls)."""
        return list(self.table.column(name).to_pylist())

    def where(self, name: str, value: Any) -> Frame:
        """The rows whose `name` equals `value`."""
        return Frame(self.table.filter(pc.equal(self.table.column(name), value)))

    def distinct(self, name: str) -> list[Any]:
        """Sorted distinct values of a column (nulls left out)."""
        return sorted(v for v in pc.unique(self.table.column(name)).to_pylist() if v is not None)


def frames(tables: Mapping[str, pa.Table]) -> dict[str, Frame]:
    """Every table as a `Frame`."""
    return {name: Frame(table) for name, table in tables.items()}
