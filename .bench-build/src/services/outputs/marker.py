"""The mark of a results folder Carry wrote: its `config.json` plus the marker file.

Only a folder with both may be replaced by a later run, and listings of runs recognise
results folders by the same check.
"""

from __future__ import annotations

from pathlib import Path

MARKER = ".carry-results"
"""The marker file's name inside every results folder Carry writes."""
MARKER_BYTES = b'{"format": "carry-results", "version": 1}\n'
"""The marker's exact content (a results folder stays byte-identical from run to run)."""
CONFIG = "config.json"
TEMP_PREFIX = ".carry-tmp-"
"""Names of Carry's folders and files being written or removed (never a results folder)."""


def has_marker(folder: Path) -> bool:
    """True if `folder` holds Carry's marker file with its exact content."""
    path = folder / MARKER
    try:
        if not path.is_file() or path.stat().st_size != len(MARKER_BYTES):
            return False
        return path.read_bytes() == MARKER_BYTES
    except OSError:
        return False


def is_results_folder(folder: Path) -> bool:
    """True if `folder` is a complete results folder Carry wrote (marker and config.json).

    Folders being written or removed (hidden `.carry-tmp-*` names) are not results folders.
    """
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
    except OSError:
        return False
    if folder.name.startswith(TEMP_PREFIX):
        return False
    return has_marker(folder) and (folder / CONFIG).is_file()
