"""Loading one catalog series from a data folder into columnar arrays, with its defects.

Loaded series are cached in-process, keyed by the series name and the file's resolved
path, modification time and size: a changed file is read again, an unchanged one is not.
The cached arrays are read-only.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.data.catalog import get_spec
from services.data.csvread import read_columns
from services.data.defects import UNUSABLE_KINDS, Defect
from services.data.files import check_data_dir, resolve_file
from services.data.normalise import normalise
from services.data.specs import SeriesSpec
from services.errors import DataError

_CacheKey = tuple[str, str, int, int]
_CACHE: dict[_CacheKey, Series] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Series:
    """One normalised series.

    Attributes:
        name: the catalog name.
        path: the file it was read from (absolute).
        ts: stamps, int64 ns UTC, strictly increasing (read-only).
        columns: float64 values per kept column, aligned with ``ts`` (read-only).
        defects: what was found wrong with the file.
        spec: the catalog entry.
        file: ``path`` relative to the data folder.
    """

    name: str
    path: Path
    ts: npt.NDArray[np.int64]
    columns: dict[str, npt.NDArray[np.float64]]
    defects: list[Defect] = field(default_factory=list)
    spec: SeriesSpec | None = None
    file: str = ""

    @property
    def rows(self) -> int:
        """Number of observations."""
        return len(self.ts)

    @property
    def first(self) -> int:
        """First stamp, ns UTC."""
        return int(self.ts[0])

    @property
    def last(self) -> int:
        """Last stamp, ns UTC."""
        return int(self.ts[-1])

    @property
    def usable(self) -> bool:
        """False when a ``units`` or ``broken`` defect makes the series unfit for a run."""
        return not any(d.kind in UNUSABLE_KINDS for d in self.defects)

    def column(self, name: str) -> npt.NDArray[np.float64]:
        """One value column.

        Raises:
            DataError: the series has no such column.
        """
        try:
            return self.columns[name]
        except KeyError:
            raise DataError(
                f"series {self.name} has no column {name!r}",
                f"use one of: {', '.join(self.columns)}",
            ) from None


def load_series(data_dir: Path, name: str) -> Series:
    """Load, normalise and check one catalog series.

    Args:
        data_dir: the data folder (the layout of ``../shared/data``).
        name: the catalog name, e.g. ``binance:perp:BTCUSDT``.

    Returns:
        The series; its ``defects`` list what was wrong and what was done about it.

    Raises:
        DataError: unknown name, missing folder or file, ambiguous files, a missing column
            or a malformed row (naming the file, line and column).
    """
    spec = get_spec(name)
    root = check_data_dir(Path(data_dir))
    path = resolve_file(root, spec.pattern, f"series {name}").resolve()
    stat = path.stat()
    key = (name, str(path), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        hit = _read(spec, root, path)
        with _LOCK:
            _CACHE[key] = hit
    return dataclasses.replace(hit, defects=list(hit.defects), columns=dict(hit.columns))


def _read(spec: SeriesSpec, root: Path, path: Path) -> Series:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    raw = read_columns(path, rel, spec.time_column, spec.time_format, spec.column_names)
    ts, columns, defects = normalise(spec, rel, raw.ts, raw.values, raw.comment_lines)
    ts = np.ascontiguousarray(ts, dtype=np.int64)
    ts.setflags(write=False)
    frozen = {}
    for c, v in columns.items():
        arr = np.ascontiguousarray(v, dtype=np.float64)
        arr.setflags(write=False)
        frozen[c] = arr
    return Series(
        name=spec.name, path=path, ts=ts, columns=frozen, defects=defects, spec=spec, file=rel
    )


def require_usable(series: Series) -> Series:
    """Return the series if a run may use it.

    Raises:
        DataError: it has a ``units`` or ``broken`` defect (the message quotes it).
    """
    for d in series.defects:
        if d.kind in UNUSABLE_KINDS:
            raise DataError(
                f"series {series.name} ({series.file}) cannot be used: {d.detail}",
                "repair the file, or choose a mode or venue that does not need it",
            )
    return series


def clear_cache() -> None:
    """Forget every cached series (tests; a long-lived process after files changed)."""
    with _LOCK:
        _CACHE.clear()
