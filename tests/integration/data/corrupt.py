"""Corrupted copies of the real data: links to every file, one file copied and edited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path


def mirror(real: Path, to: Path) -> Path:
    """A folder of symbolic links to every file of ``real`` (the data is never copied)."""
    for src in sorted(real.rglob("*")):
        dst = to / src.relative_to(real)
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    return to


def edit_cell(
    folder: Path, pattern: str, stamp: str, column: str, change: Callable[[str], str]
) -> tuple[str, int, str]:
    """Replace the file behind ``pattern`` by a copy with one cell changed.

    Args:
        folder: a `mirror` of the real data.
        pattern: glob of the file, relative to the folder.
        stamp: the start of the row's first field (its time stamp).
        column: the header name of the cell.
        change: old text -> new text.

    Returns:
        The file (relative), the 1-based line changed and the new text of the cell.
    """
    (path,) = sorted(folder.glob(pattern))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    header = next(csv.reader([lines[start]]))
    col = header.index(column)
    index = next(i for i, ln in enumerate(lines) if i > start and ln.startswith(stamp))
    cells = next(csv.reader([lines[index]]))
    cells[col] = change(cells[col])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    lines[index] = out.getvalue()
    path.unlink()
    path.write_text("".join(lines), encoding="utf-8")
    return path.relative_to(folder).as_posix(), index + 1, cells[col]


def times(factor: float) -> Callable[[str], str]:
    """A cell change: multiply the number by ``factor``."""
    return lambda text: repr(float(text) * factor)


def becomes(value: str) -> Callable[[str], str]:
    """A cell change: replace the text by ``value``."""
    return lambda _: value
