"""The atomic swap of a results folder and the clean-up after killed writes (real folders)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from services.errors import OutputError
from services.outputs import swap
from services.outputs.marker import MARKER, MARKER_BYTES, TEMP_PREFIX, is_results_folder
from services.outputs.swap import clean_stale, replace_file, replace_folder

REPO = Path(__file__).resolve().parents[3]


def _fill(text: str):
    def fill(folder: Path) -> None:
        (folder / "config.json").write_text("{}")
        (folder / "summary.json").write_text(text)

    return fill


def _temps(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_the_target_always_holds_a_whole_folder_while_it_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    replace_folder(out, _fill("0"))
    missing: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        # every lookup of the path finds a whole folder, old or new (a reader that
        # opened the old folder before the swap may see it emptied: that is its copy)
        while not stop.is_set():
            try:
                if not (out / "summary.json").read_text().isdigit():
                    missing.append("half-written summary")
            except FileNotFoundError as e:
                missing.append(str(e))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(1, 60):
            replace_folder(out, _fill(str(i)))
    finally:
        stop.set()
        watcher.join()
    assert missing == []
    assert (out / "summary.json").read_text() == "59"
    assert _temps(tmp_path) == []


def test_a_half_written_folder_is_never_at_the_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    replace_folder(out, _fill("old"))
    seen: list[str] = []

    def fill(folder: Path) -> None:
        assert folder.parent == tmp_path
        assert folder.name.startswith(TEMP_PREFIX)
        (folder / "config.json").write_text("{}")
        seen.append((out / "summary.json").read_text())
        (folder / "summary.json").write_text("new")

    replace_folder(out, fill)
    assert seen == ["old"]
    assert (out / "summary.json").read_text() == "new"
    assert (out / MARKER).read_bytes() == MARKER_BYTES


def test_a_failed_write_leaves_the_old_folder_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    replace_folder(out, _fill("old"))

    def fill(folder: Path) -> None:
        (folder / "summary.json").write_text("half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        replace_folder(out, fill)
    assert (out / "summary.json").read_text() == "old"
    assert _temps(tmp_path) == []


def test_a_foreign_folder_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def fill(folder: Path) -> None:
        _fill("new")(folder)
        out.mkdir()
        (out / "mine.txt").write_text("user data")

    with pytest.raises(OutputError, match="Carry did not write"):
        replace_folder(out, fill)
    assert (out / "mine.txt").read_text() == "user data"
    assert _temps(tmp_path) == []


def test_without_an_atomic_exchange_the_result_is_the_same(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(swap, "_RENAMEAT2", None)
    out = tmp_path / "out"
    replace_folder(out, _fill("a"))
    replace_folder(out, _fill("b"))
    assert (out / "summary.json").read_text() == "b"
    assert is_results_folder(out)
    assert _temps(tmp_path) == []


WRITER = """
import sys, time
from pathlib import Path
from services.outputs.swap import replace_folder, replace_file

def fill_folder(folder):
    (folder / "config.json").write_text("{}")
    print("writing", flush=True)
    time.sleep(600)

def fill_file(stream):
    stream.write(b"half")
    stream.flush()
    print("writing", flush=True)
    time.sleep(600)

if sys.argv[1] == "folder":
    replace_folder(Path(sys.argv[2]), fill_folder)
else:
    replace_file(Path(sys.argv[2]), fill_file, lambda p: True)
"""


def _writer(kind: str, out: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, kind, str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "writing\n"
    proc.stdout.close()
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_a_killed_write_is_cleaned_up_by_the_next_one_and_a_live_one_is_not(
    tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out"
    replace_folder(out, _fill("old"))
    live = _writer("folder", out)
    killed = _writer("folder", out)
    try:
        assert len(_temps(tmp_path)) == 2
        _kill(killed)
        assert len(clean_stale(tmp_path)) == 1, "only the killed write's folder goes"
        assert len(_temps(tmp_path)) == 1, "the live write's folder stays"
        assert (out / "summary.json").read_text() == "old"
    finally:
        _kill(live)
    replace_folder(out, _fill("new"))  # the next write cleans up
    assert _temps(tmp_path) == []
    assert (out / "summary.json").read_text() == "new"

    # a killed record write: its file goes once it has settled
    rec = tmp_path / "run.rec"
    _kill(_writer("file", rec))
    (stale,) = _temps(tmp_path)
    assert clean_stale(tmp_path) == []  # too fresh: its writer might be about to lock it
    old = time.time() - 2 * swap.SETTLE_S
    os.utime(tmp_path / stale, (old, old))
    replace_file(rec, lambda s: s.write(b"whole"), lambda p: True)
    assert rec.read_bytes() == b"whole"
    assert _temps(tmp_path) == []


def test_lookalikes_that_are_not_carrys_are_never_removed(tmp_path: Path) -> None:
    old = time.time() - 2 * swap.SETTLE_S
    mine = tmp_path / f"{TEMP_PREFIX}0123456789ab"
    mine.mkdir()
    (mine / "thesis.tex").write_text("mine")
    other = tmp_path / f"{TEMP_PREFIX}notes"
    other.mkdir()
    link = tmp_path / f"{TEMP_PREFIX}ba9876543210"
    link.symlink_to(mine)
    for p in (mine, other):
        os.utime(p, (old, old))
    assert clean_stale(tmp_path) == []
    assert (mine / "thesis.tex").read_text() == "mine"
    assert other.is_dir()
    assert link.is_symlink()
