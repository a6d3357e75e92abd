"""Record and replay without a broker: `carry backtest --record`, `carry replay --file`."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from schemas.pnl import PnLReport
from services.cli.main import main
from services.replay.rebuild import replay
from services.replay.record import RecordError, read_record, write_record
from tests.stubs import RESULT_FILES


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("rec")
    args = ["backtest", "--mode", "btc_basis", "--set", "end=2024-01-15", "--quiet"]
    with pytest.MonkeyPatch.context() as env:
        env.delenv("CARRY_DATA", raising=False)  # the synthetic sample
        assert main([*args, "--out", str(tmp / "run"), "--record", str(tmp / "run.rec")]) == 0
    return tmp / "run", tmp / "run.rec"


def test_replay_of_a_recorded_run_writes_the_same_results(
    recorded: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, record = recorded
    assert main(["replay", "--file", str(record), "--out", str(tmp_path / "replay")]) == 0
    for name in RESULT_FILES:
        assert (original / name).read_bytes() == (tmp_path / "replay" / name).read_bytes(), name
    assert "identical to the record" in capsys.readouterr().out


async def test_replay_detects_a_tampered_record(
    recorded: tuple[Path, Path], tmp_path: Path
) -> None:
    header, events = read_record(recorded[1])
    i, (topic, pnl) = next((i, e) for i, e in enumerate(events) if isinstance(e[1], PnLReport))
    assert isinstance(pnl, PnLReport)
    events[i] = (topic, msgspec.structs.replace(pnl, equity=pnl.equity + 1.0))
    write_record(tmp_path / "bad.rec", header.run_id, "test", events)
    result = await replay(read_record(tmp_path / "bad.rec")[1])
    assert result.mismatches == [
        f"carry.pnl: event 0 differs: rebuilt {pnl.event_id}, recorded {pnl.event_id}"
    ]


@pytest.mark.parametrize("content", [b"", b"\x00\x00\x00\x05abc", b"\x00\x00\x00\x01\xc1"])
def test_a_corrupt_record_is_refused_with_its_name(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.rec"
    path.write_bytes(content)
    with pytest.raises(RecordError, match=r"x\.rec"):
        read_record(path)


def test_replay_of_an_incomplete_record_says_so(
    recorded: tuple[Path, Path], tmp_path: Path
) -> None:
    header, events = read_record(recorded[1])
    write_record(tmp_path / "cut.rec", header.run_id, "test", events[: len(events) // 2])
    code = main(["replay", "--file", str(tmp_path / "cut.rec"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert not (tmp_path / "o").exists()
