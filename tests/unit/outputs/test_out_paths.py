"""`--out` and `--record` never destroy what Carry did not write (real folders and files)."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli.main import main
from services.outputs.marker import MARKER, is_results_folder
from tests.stubs import sample_data

SHORT = ["--mode", "btc_basis", "--quiet", "--set", "start=2024-01-01", "--set", "end=2024-01-04"]


@pytest.fixture(autouse=True)
def _sample_data_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)


def _backtest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["backtest", *SHORT, *args])
    return code, capsys.readouterr().err


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ")
    assert "fix:" in err
    assert "Traceback" not in err
    for word in words:
        assert word in err


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the sample data."""
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    return copy


def test_an_existing_file_is_refused_and_kept(tmp_path: Path, capsys) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("my notes\n")
    code, err = _backtest(capsys, "--out", str(target))
    _refused(code, err, "is an existing file")
    assert target.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_folder_carry_did_not_write_is_refused_and_kept(tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.txt").write_text("a")
    (notes / "sub" / "b.txt").write_text("b")
    (notes / "config.json").write_text("{}")  # a config.json alone is not Carry's mark
    before = _tree(notes)
    code, err = _backtest(capsys, "--out", str(notes))
    _refused(code, err, "Carry did not write", MARKER)
    assert _tree(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_the_current_folder_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "keep.txt").write_text("k")
    monkeypatch.chdir(tmp_path)
    code, err = _backtest(capsys, "--out", ".")
    _refused(code, err, "--out .")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_a_home_folder_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("x")
    monkeypatch.setenv("HOME", str(home))
    code, err = _backtest(capsys, "--out", os.path.expanduser("~"))
    _refused(code, err, "Carry did not write")
    assert (home / ".bashrc").read_text() == "x"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda d: d, "is inside the data folder"),
        (lambda d: d / "market_data", "is inside the data folder"),
        (lambda d: d / "new" / "results", "is inside the data folder"),
        (lambda d: d.parent, "holds the data folder"),
    ],
    ids=["data", "data-subfolder", "new-folder-in-data", "data-parent"],
)
def test_the_data_folder_and_folders_in_or_around_it_are_refused(
    data_copy: Path, capsys, where, message: str
) -> None:
    before = _tree(data_copy)
    code, err = _backtest(capsys, "--data", str(data_copy), "--out", str(where(data_copy)))
    _refused(code, err, message)
    assert _tree(data_copy) == before
    assert not (data_copy / "new").exists()


def test_the_sample_data_folder_is_refused_too(capsys) -> None:
    sample = Path(sample_data().path)
    code, err = _backtest(capsys, "--out", str(sample / "results"))
    _refused(code, err, "is inside the data folder")
    assert not (sample / "results").exists()


def test_under_a_file_and_too_long_names_are_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "afile").write_text("x")
    code, err = _backtest(capsys, "--out", str(tmp_path / "afile" / "run"))
    _refused(code, err, "which is a file")
    code, err = _backtest(capsys, "--out", str(tmp_path / ("r" * 300)))
    _refused(code, err, "300 bytes", "at most 255")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    command = [sys.executable, "-m", "services.cli.main", "backtest", *SHORT]
    command += ["--out", str(locked / "run")]
    if os.geteuid() == 0:
        # root writes through permissions: mount a read-only file system there instead,
        # in a mount namespace of the command's own
        mount = f"mount -t tmpfs -o ro,size=64k carry-ro {shlex.quote(str(locked))}"
        command = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *command]
    else:
        locked.chmod(0o555)
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    _refused(done.returncode, done.stderr, "read-only")
    assert list(locked.iterdir()) == []


def test_record_onto_a_folder_or_a_foreign_file_is_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "recs"
    folder.mkdir()
    foreign = tmp_path / "doc.rec"
    foreign.write_text("not a record")
    out = tmp_path / "out"
    code, err = _backtest(capsys, "--out", str(out), "--record", str(folder))
    _refused(code, err, "is a folder")
    code, err = _backtest(capsys, "--out", str(out), "--record", str(foreign))
    _refused(code, err, "not a Carry record file")
    assert foreign.read_text() == "not a record"
    assert list(folder.iterdir()) == []
    assert not out.exists(), "nothing is written when an output is refused"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.rec", "recs"]


def test_carrys_own_folder_and_record_are_replaced(tmp_path: Path, capsys) -> None:
    out, rec = tmp_path / "out", tmp_path / "run.rec"
    assert _backtest(capsys, "--out", str(out), "--record", str(rec))[0] == 0
    assert is_results_folder(out)
    (out / "summary.json").write_text("stale")
    rec.write_bytes(rec.read_bytes()[:100])  # still a record (its header), but cut
    code, err = _backtest(capsys, "--out", str(out), "--record", str(rec), "--set", "capital=5e5")
    assert code == 0, err
    assert b'"initial_equity": 500000.0' in (out / "summary.json").read_bytes()
    assert len(rec.read_bytes()) > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "run.rec"]


def test_replay_and_export_refuse_the_same_way(tmp_path: Path, capsys) -> None:
    out, rec = tmp_path / "out", tmp_path / "run.rec"
    assert _backtest(capsys, "--out", str(out), "--record", str(rec))[0] == 0
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("a")
    code = main(["replay", "--file", str(rec), "--out", str(notes)])
    _refused(code, capsys.readouterr().err, "Carry did not write")
    code = main(["replay", "--file", str(rec), "--out", str(tmp_path / "x" / ("n" * 256))])
    _refused(code, capsys.readouterr().err, "at most 255")
    # refused before the broker is contacted (there is none at this address)
    code = main(["export", "--bus", "kafka://127.0.0.1:1", "--run-id", "r", "--out", str(notes)])
    _refused(code, capsys.readouterr().err, "is a folder")
    code = main(["export", "--bus", "kafka://127.0.0.1:1", "--run-id", "r", "--out", str(out)])
    _refused(code, capsys.readouterr().err, "is a folder")
    assert _tree(notes) == {"a.txt": b"a"}
    assert main(["replay", "--file", str(rec), "--out", str(out)]) == 0
    assert is_results_folder(out)


def test_a_kafka_backtest_refuses_before_starting_anything(tmp_path: Path, capsys) -> None:
    (tmp_path / "afile").write_text("x")
    code, err = _backtest(capsys, "--bus", "kafka://127.0.0.1:1", "--out", str(tmp_path / "afile"))
    _refused(code, err, "is an existing file")
    assert "Kafka" not in err
    assert not any(
        p.name.startswith("carry-serve-")
        for p in Path("/tmp").iterdir()
        if p.stat().st_mtime > (tmp_path / "afile").stat().st_mtime
    )


def test_a_missing_parent_folder_is_created(tmp_path: Path, capsys) -> None:
    out = tmp_path / "a" / "b" / "run"
    assert _backtest(capsys, "--out", str(out))[0] == 0
    assert is_results_folder(out)
    assert stat.S_IMODE(out.stat().st_mode) & 0o055, "results are readable by others"
