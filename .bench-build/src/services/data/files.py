"""Finding the one file behind a catalog pattern in a data folder."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from services.data.times import filename_dates
from services.errors import DataError


def check_data_dir(data_dir: Path) -> Path:
    """The data folder, resolved, or a DataError saying it does not exist."""
    if not data_dir.is_dir():
        raise DataError(
            f"data folder {data_dir} does not exist or is not a folder",
            "point the run at a folder with the market-data layout (like ../shared/data, "
            "or set CARRY_DATA), or leave it unset to use the synthetic sample data",
        )
    return data_dir.resolve()


def matching_files(data_dir: Path, pattern: str) -> list[Path]:
    """Every file matching ``pattern`` (case-sensitive, file-name glob), sorted by name."""
    folder_part, _, glob = pattern.rpartition("/")
    folder = data_dir / folder_part
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and fnmatch.fnmatchcase(p.name, glob))


def choose_file(candidates: list[Path], pattern: str) -> Path:
    """Pick one of several files matching a pattern, deterministically.

    The rule: the file whose name claims the longest ``START_END`` date span; on a tie the
    later end, then the later name. Every candidate must carry two dates in its name.

    Raises:
        DataError: a candidate has no dates in its name, so the choice would be a guess.
    """
    if len(candidates) == 1:
        return candidates[0]
    keyed = []
    for path in candidates:
        dates = filename_dates(path.name)
        if dates is None:
            names = ", ".join(p.name for p in candidates)
            raise DataError(
                f"several files match {pattern!r} ({names}) and {path.name} has no "
                "START_END dates in its name to choose by",
                "keep only one file matching the pattern in that folder",
            )
        start, end = dates
        keyed.append(((end - start, end, path.name), path))
    return max(keyed)[1]


def resolve_file(data_dir: Path, pattern: str, what: str) -> Path:
    """The one file for ``pattern`` in ``data_dir``.

    Args:
        data_dir: the data folder.
        pattern: glob relative to it.
        what: the series or input name, for the message.

    Raises:
        DataError: the folder or the file is missing, or several files match ambiguously.
    """
    root = check_data_dir(data_dir)
    candidates = matching_files(root, pattern)
    if not candidates:
        folder_part, _, glob = pattern.rpartition("/")
        folder = root / folder_part
        where = f"in {folder}" if folder.is_dir() else f"(folder {folder} does not exist)"
        raise DataError(
            f"no file for {what}: nothing matches {glob!r} {where}",
            f"add a file named like {pattern!r} under {root}, or choose a mode, venue or "
            f"window that does not need {what}",
        )
    return choose_file(candidates, pattern)
