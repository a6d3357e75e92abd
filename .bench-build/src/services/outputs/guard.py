"""Refuse output paths that would destroy what Carry did not write.

A results folder may replace only a results folder Carry wrote (`marker`); a record
file only a record file. Nothing is written inside the data folder, over it or over a
folder holding it, over the current folder, under a file, or where the name cannot be.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from services.errors import OutputError
from services.outputs.marker import MARKER, is_results_folder

NAME_MAX = 255
"""Longest file name (bytes) Linux file systems accept."""
PATH_MAX = 4000
"""Longest path (bytes) accepted, a little below Linux's 4096."""


def check_out_folder(out: Path, data: Path | None = None, flag: str = "--out") -> Path:
    """The absolute path of results folder `out` if Carry may write it there.

    Raises:
        OutputError: `out` is a file, a folder Carry did not write, the current folder
            or one holding it, inside or around the data folder, under a file, not
            writable, or its name is too long.
    """
    path = _common(out, data, flag, "results folder")
    if path.exists():
        if not path.is_dir():
            raise OutputError(
                f"{flag} {out} is an existing file, not a results folder",
                f"choose a new folder name for {flag}; Carry never overwrites a file",
            )
        cwd = Path.cwd().resolve()
        if path == cwd or path in cwd.parents:
            raise OutputError(
                f"{flag} {out} is the current folder or holds it",
                f"choose a new folder name for {flag}, e.g. {flag} results/run1",
            )
        if not is_results_folder(path):
            raise OutputError(
                f"{flag} {out} is an existing folder that Carry did not write "
                f"(it has no {MARKER} marker and config.json), so it is not replaced",
                f"choose a new folder name for {flag}, or move that folder away yourself",
            )
    return path


def check_out_file(
    out: Path,
    data: Path | None,
    recognise: Callable[[Path], bool],
    flag: str,
    what: str = "record file",
) -> Path:
    """The absolute path of output file `out` if Carry may write it there.

    Args:
        out: the file.
        data: the data folder (nothing is written inside it).
        recognise: True for a file Carry wrote (only such a file is replaced).
        flag: the option that named `out`, for messages.
        what: what the file is, for messages.

    Raises:
        OutputError: as `check_out_folder`; an existing folder or foreign file at `out`.
    """
    path = _common(out, data, flag, what)
    if path.is_dir():
        raise OutputError(
            f"{flag} {out} is a folder; a {what} is a single file",
            f"name a file, e.g. {flag} {Path(out) / 'run.rec'}",
        )
    if path.exists() and not recognise(path):
        raise OutputError(
            f"{flag} {out} is an existing file that is not a Carry {what}, so it is not replaced",
            f"choose a new file name for {flag}, or move that file away yourself",
        )
    return path


def _common(out: Path, data: Path | None, flag: str, what: str) -> Path:
    text = str(out)
    if not text or any(ord(c) < 32 for c in text):
        raise OutputError(
            f"{flag} {text!r} is not a usable path", f"name the {what} with printable characters"
        )
    for part in Path(out).parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(
                f"{flag} names {part[:40]}... of {len(os.fsencode(part))} bytes; "
                f"a file name may have at most {NAME_MAX}",
                f"choose a shorter name for {flag}",
            )
    path = Path(os.path.abspath(out))
    try:
        path = path.resolve()
    except (OSError, RuntimeError) as e:
        raise OutputError(f"{flag} {out} cannot be resolved: {e}", "check the path") from e
    if len(os.fsencode(str(path))) > PATH_MAX:
        raise OutputError(
            f"{flag} {out} is a path of more than {PATH_MAX} bytes", "choose a shorter path"
        )
    if data is not None:
        _outside_data(path, Path(data), out, flag, what)
    _writable(path, out, flag)
    return path


def _outside_data(path: Path, data: Path, out: Path, flag: str, what: str) -> None:
    data = Path(os.path.abspath(data)).resolve()
    if path == data or data in path.parents:
        raise OutputError(
            f"{flag} {out} is inside the data folder {data}",
            f"write the {what} outside the data folder, e.g. {flag} results/run1",
        )
    if path in data.parents:
        raise OutputError(
            f"{flag} {out} holds the data folder {data}",
            f"write the {what} elsewhere, e.g. {flag} results/run1",
        )


def _writable(path: Path, out: Path, flag: str) -> None:
    for parent in path.parents:
        if not parent.exists():
            continue
        if not parent.is_dir():
            raise OutputError(
                f"{flag} {out} is under {parent}, which is a file",
                f"choose a {flag} whose parent folders are folders",
            )
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(
                f"{flag} {out} cannot be written: {parent} is read-only for this user",
                f"choose a {flag} in a folder you can write to",
            )
        return
