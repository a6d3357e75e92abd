"""Loading one catalog series from a data folder into columnar arrays, with its defects.

Loaded series are cached in-process, keyed by the series name and the resolved path,
modification time and size of its file and of the files it is checked against: a changed
file is read again, an unchanged one is not. The cached arrays are read-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.data.catalog import SERIES, SIBLINGS, get_spec
from services.data.csvread import LineMap, read_columns
from services.data.defects import UNUSABLE_KINDS, Defect, DefectLog
from services.data.files import check_data_dir, matching_files, resolve_file
from services.data.normalise import clean, finish, require_rows, unusable
from services.data.outliers import Table
from services.data.specs import SeriesSpec
from services.data.spikes import spikes
from services.errors import DataError

_Stamp = tuple[str, int, int]
_CACHE: dict[tuple[object, ...], Series] = {}
_CLEANED: dict[tuple[object, ...], _Cleaned] = {}
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

    Bad ticks are dropped (and reported with their file lines); a price is judged against
    the same instrument on the other venues of the folder (`SIBLINGS`) as well.

    Args:
        data_dir: the data folder (the layout of ``../shared/data``).
        name: the catalog name, e.g. ``binance:perp:BTCUSDT``.

    Returns:
        The series; its ``defects`` list what was wrong and what was done about it.

    Raises:
        DataError: unknown name, missing folder or file, ambiguous files, a missing column,
            a malformed row (naming the file, line and column), or no usable row.
    """
    spec = get_spec(name)
    root = check_data_dir(Path(data_dir))
    own = _located(root, spec)
    others = []
    for other in SIBLINGS.get(name, ()):
        other_spec = SERIES[other]
        if matching_files(root, other_spec.pattern):
            with contextlib.suppress(DataError):  # an unreadable venue is no reference
                others.append((other_spec, _located(root, other_spec)))
    key = (name, own, *(stamp for _, stamp in others))
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        cleaned = _cleaned(spec, root, own)
        references = {}
        for other_spec, stamp in others:
            with contextlib.suppress(DataError):
                reference = _cleaned(other_spec, root, stamp)
                if not any(d.kind in UNUSABLE_KINDS for d in reference.defects):
                    references[other_spec.name] = reference.table
        hit = _final(spec, cleaned, references)
        with _LOCK:
            _CACHE[key] = hit
    return dataclasses.replace(hit, defects=list(hit.defects), columns=dict(hit.columns))


def _located(root: Path, spec: SeriesSpec) -> _Stamp:
    """The series' file and its identity (path, modification time, size)."""
    path = resolve_file(root, spec.pattern, f"series {spec.name}").resolve()
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class _Cleaned:
    """One file read and cleaned on its own (before other venues are consulted)."""

    table: Table
    defects: list[Defect]
    line_of: LineMap
    file_rows: int
    rel: str


def _cleaned(spec: SeriesSpec, root: Path, stamp: _Stamp) -> _Cleaned:
    key = (spec.name, *stamp)
    with _LOCK:
        hit = _CLEANED.get(key)
    if hit is None:
        path = Path(stamp[0])
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        raw = read_columns(path, rel, spec.time_column, spec.time_format, spec.column_names)
        table, found = clean(spec, rel, raw)
        hit = _Cleaned(table, found.defects, raw.line_of, len(raw.ts), rel)
        with _LOCK:
            _CLEANED[key] = hit
    return hit


def _final(spec: SeriesSpec, cleaned: _Cleaned, references: dict[str, Table]) -> Series:
    found = DefectLog(spec.name, cleaned.rel)
    found.defects = list(cleaned.defects)
    table = cleaned.table
    if not unusable(found):
        table = spikes(found, spec, table, cleaned.line_of, references)
    require_rows(spec, cleaned.rel, table)
    finish(spec, table, found, cleaned.file_rows)
    ts = np.ascontiguousarray(table.ts, dtype=np.int64)
    ts.setflags(write=False)
    frozen = {}
    for c, v in table.values.items():
        arr = np.ascontiguousarray(v, dtype=np.float64)
        arr.setflags(write=False)
        frozen[c] = arr
    path = Path(cleaned.line_of.path)
    return Series(
        name=spec.name,
        path=path,
        ts=ts,
        columns=frozen,
        defects=found.defects,
        spec=spec,
        file=cleaned.rel,
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
        _CLEANED.clear()
