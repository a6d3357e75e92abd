"""Write a folder or file beside its target, then swap it into place atomically.

A folder is written as a hidden `.carry-tmp-<hex>` sibling whose marker file is locked
(flock) while the writing process lives. Complete, it is flushed to disk and exchanged
with the old folder in one `renameat2(RENAME_EXCHANGE)`: at every moment the target
path holds either the old folder or the new one, whole. The old one, now under the
temporary name, is then removed. A killed write leaves a `.carry-tmp-*` sibling whose
lock is free again; the next write into the same parent folder removes it (only
entries that are Carry's by name and marker, never locked ones).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import structlog

from services.errors import OutputError
from services.outputs.guard import check_out_file, check_out_folder
from services.outputs.marker import MARKER, MARKER_BYTES, TEMP_PREFIX, has_marker

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_TEMP = re.compile(rf"^{re.escape(TEMP_PREFIX)}[0-9a-f]{{12}}$")
_AT_FDCWD = -100
SETTLE_S = 60.0
"""An unlocked empty folder or file is left alone this long (its writer may be about to
lock it)."""


def _renameat2() -> Callable[..., int] | None:
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


_RENAMEAT2 = _renameat2()


def rename2(src: Path, dst: Path, flags: int) -> bool:
    """`renameat2(src, dst, flags)`; False if this system or file system lacks it."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def temp_name() -> str:
    """A fresh temporary name (a sibling of the target)."""
    return f"{TEMP_PREFIX}{secrets.token_hex(6)}"


def replace_folder(
    out: Path, fill: Callable[[Path], None], data: Path | None = None, flag: str = "--out"
) -> Path:
    """Write a results folder at `out` with `fill(folder)`: all of it, or nothing.

    `out` may replace only a results folder Carry wrote (see `guard.check_out_folder`).
    `fill` writes the folder's files into the folder it is given (the marker is already
    there). Returns the absolute path written.

    Raises:
        OutputError: `out` may not be written, or writing failed (nothing is left behind).
    """
    path = check_out_folder(out, data, flag)
    _mkdir_parent(path, out, flag)
    clean_stale(path.parent)
    tmp = path.parent / temp_name()
    try:
        with _staged(tmp):
            fill(tmp)
            _sync_tree(tmp)
            check_out_folder(out, data, flag)  # what is there now may be replaced
            _swap_in(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise OutputError(
            f"cannot write {flag} {out}: {e.strerror or e}", f"check {path.parent} and retry"
        ) from e
    except BaseException:
        _remove(tmp)
        raise
    _remove(tmp)  # the previous folder, if there was one
    _sync_dir(path.parent)
    return path


def replace_file(
    out: Path,
    fill: Callable[[BinaryIO], None],
    recognise: Callable[[Path], bool],
    data: Path | None = None,
    flag: str = "--out",
    what: str = "record file",
) -> Path:
    """Write file `out` with `fill(stream)` into a temporary sibling, then rename it over.

    Only a file `recognise` accepts (one Carry wrote) is replaced.

    Raises:
        OutputError: as `guard.check_out_file`, or writing failed (nothing is left behind).
    """
    path = check_out_file(out, data, recognise, flag, what)
    _mkdir_parent(path, out, flag)
    clean_stale(path.parent)
    tmp = path.parent / temp_name()
    try:
        with tmp.open("xb") as stream:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
            check_out_file(out, data, recognise, flag, what)
            os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            f"cannot write {flag} {out}: {e.strerror or e}", f"check {path.parent} and retry"
        ) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)
    return path


def clean_stale(parent: Path) -> list[Path]:
    """Remove what killed writes left in `parent`; return what was removed.

    Only `.carry-tmp-<hex>` entries go: folders holding Carry's marker and files, each
    only if no living process holds its lock, and empty folders; files and empty folders
    only once they are older than `SETTLE_S`.
    """
    removed: list[Path] = []
    settled = time.time() - SETTLE_S
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP.match(entry.name) or entry.is_symlink():
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                if not any(path.iterdir()):
                    if entry.stat(follow_symlinks=False).st_mtime > settled:
                        continue
                    path.rmdir()
                elif has_marker(path) and _unlocked(path / MARKER):
                    shutil.rmtree(path)
                else:
                    continue
            elif (
                entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime <= settled
                and _unlocked(path)
            ):
                path.unlink()
            else:
                continue
        except OSError:
            continue
        removed.append(path)
    if removed:
        structlog.get_logger().info("stale_temporary_removed", paths=[str(p) for p in removed])
    return removed


@contextlib.contextmanager
def _staged(tmp: Path) -> Iterator[None]:
    """Create folder `tmp` with its marker, locked until the block ends."""
    tmp.mkdir()
    fd = os.open(tmp / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, MARKER_BYTES)
        yield
    finally:
        os.close(fd)


def _swap_in(tmp: Path, path: Path) -> None:
    if path.exists():
        if rename2(tmp, path, RENAME_EXCHANGE):
            return
        # No atomic exchange here (not Linux, or a file system without it): two renames.
        aside = path.parent / temp_name()
        path.rename(aside)
        tmp.rename(path)
        aside.rename(tmp)
        return
    if not rename2(tmp, path, RENAME_NOREPLACE):
        tmp.rename(path)


def _unlocked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _mkdir_parent(path: Path, out: Path, flag: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"cannot create the folder of {flag} {out}: {e.strerror or e}",
            f"choose a {flag} in a folder you can write to",
        ) from e


def _sync_tree(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
