"""Damaged data files: one message naming the file and the fix, exit 2, nothing written.

`carry data check` reads the same files without crashing: it reports the damaged file as
unusable and exits 1.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from services.cli.main import main
from tests.stubs import sample_data

SPOT = "market_data/spot_prices/btc_usd"
ORACLE = "protocol_data/aave/oracle"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    return copy


def _file(folder: Path, sub: str, glob: str) -> Path:
    (path,) = sorted((folder / sub).glob(glob))
    return path


def _binary(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


def _gzip(path: Path) -> None:
    path.write_bytes(gzip.compress(path.read_bytes(), mtime=0))


def _long_line(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(40, "2024-01-02T15:00:00Z," + "9" * 10_000_000 + ",1,1,1,1\n")
    path.write_text("".join(lines))


def _column(value: str, column: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        lines = path.read_text().splitlines()
        start = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
        at = lines[start].split(",").index(column)
        for i in range(start + 1, len(lines)):
            cells = lines[i].split(",")
            cells[at] = value
            lines[i] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n")

    return change


CASES = [
    ("binary", "btc_basis", SPOT, "binance_BTCUSDT_1h_*", _binary, "binary data (NUL bytes)"),
    ("gzip", "btc_basis", SPOT, "binance_BTCUSDT_1h_*", _gzip, "is gzip-compressed data"),
    (
        "long-line",
        "btc_basis",
        SPOT,
        "binance_BTCUSDT_1h_*",
        _long_line,
        "line 41 is longer than 1 MiB",
    ),
    (
        "1e300",
        "btc_basis",
        SPOT,
        "binance_BTCUSDT_1h_*",
        _column("1e300", "close"),
        "no price in USDT or WETH is this large",
    ),
    (
        "zero-lst-rate",
        "eth_leveraged",
        ORACLE,
        "weETH_ETH_oracle_*",
        _column("0", "oracle_price_eth"),
        "not LST/ETH exchange rates near 1",
    ),
]


@pytest.mark.parametrize(
    ("mode", "sub", "glob", "damage", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_damaged_file_is_one_message_exit_2_and_nothing_written(
    data_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    sub: str,
    glob: str,
    damage: Callable[[Path], None],
    message: str,
) -> None:
    path = _file(data_copy, sub, glob)
    damage(path)
    out = tmp_path / "out"
    args = ["backtest", "--mode", mode, "--data", str(data_copy), "--out", str(out), "--quiet"]
    code = main([*args, "--set", "start=2024-01-02", "--set", "end=2024-05-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert path.name in err
    assert message in err
    assert "fix:" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


@pytest.mark.parametrize(
    ("sub", "glob", "damage", "message"),
    [(c[2], c[3], c[4], c[5]) for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_data_check_reports_a_damaged_file_and_exits_1(
    data_copy: Path,
    capsys: pytest.CaptureFixture[str],
    sub: str,
    glob: str,
    damage: Callable[[Path], None],
    message: str,
) -> None:
    path = _file(data_copy, sub, glob)
    damage(path)
    assert main(["data", "check", str(data_copy)]) == 1
    text = capsys.readouterr().out
    assert message in text
    assert "UNUSABLE" in text
    assert main(["data", "check", "--json", str(data_copy)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    (bad,) = doc["unusable"]
    assert any(d["series"] == bad and message in d["detail"] for d in doc["defects"])
