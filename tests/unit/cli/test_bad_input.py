"""Bad input: one clear message, a non-zero exit, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.cli.main import main
from tests.stubs import sample_data

FUNDING = "market_data/derivatives/funding_rates"


def _run(tmp_path: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["backtest", "--out", str(tmp_path / "out"), "--quiet", *args])
    err = capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    return code, err


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    return copy


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "btc_carry"], "unknown mode 'btc_carry'"),
        (["--mode", "btc_basis", "--set", "capitol=5"], "unknown parameter 'capitol'"),
        (["--mode", "btc_basis", "--set", "capital=-5"], "Expected `float` > 0.0 - at `$.capital`"),
        (["--mode", "btc_basis", "--set", "capital=0"], "Expected `float` > 0.0 - at `$.capital`"),
        (
            ["--mode", "btc_basis", "--set", "hedge_allocation={binance=0.5,bybit=0.3}"],
            "hedge_allocation must sum to 1, was 0.8",
        ),
        (["--mode", "btc_basis", "--set", "spot_allocation=1.5"], "spot_allocation"),
        (
            ["--mode", "btc_basis", "--set", "start=2023-06-01"],
            "does not cover the window: it starts at 2024-01-01",
        ),
        (["--mode", "btc_basis", "--set", "end=2023-06-01"], "is not after start"),
        (["--mode", "btc_basis", "--set", "start=yesterday"], "is not a date"),
        (["--mode", "btc_basis", "--set", "rebalance"], "not of the form name=value"),
        (["--mode", "eth_basis", "--set", "spot_venue=binance"], "has no ETHUSDT spot series"),
        (
            ["--mode", "eth_leveraged", "--set", "target_ltv=0.95"],
            "target_ltv 0.95 is above Aave's emode maximum LTV 0.93",
        ),
        (
            ["--mode", "eth_leveraged", "--set", "emode=false", "--set", "target_ltv=0.85"],
            "target_ltv 0.85 is above Aave's standard maximum LTV 0.8",
        ),
        (
            ["--mode", "eth_leveraged", "--set", "hf_reduce=1.1"],
            "is not below the health factor at the target LTV",
        ),
        (["--mode", "eth_staking_only", "--set", "lst_type=reth"], "lst_type"),
        (
            ["--mode", "eth_staking_only", "--set", "hedge_allocation={binance=1.0}"],
            "unknown parameter 'hedge_allocation' for mode eth_staking_only",
        ),
        (["--mode", "btc_basis", "--set", "capital=inf"], "capital of mode btc_basis holds inf"),
        (["--mode", "btc_basis", "--set", "capital=1e309"], "capital of mode btc_basis holds inf"),
        (["--mode", "btc_basis", "--set", "capital=-inf"], "holds -inf, which is not a finite"),
        (["--mode", "btc_basis", "--set", "margin_warn=inf"], "margin_warn of mode btc_basis"),
        (["--mode", "btc_basis", "--set", "delta_report=1e309"], "delta_report of mode"),
        (["--mode", "btc_basis", "--set", "target_margin_ratio=nan"], "holds nan"),
        (
            ["--mode", "btc_basis", "--set", "hedge_allocation={binance=inf,bybit=0.5}"],
            "hedge_allocation of mode btc_basis holds inf",
        ),
        (["--mode", "eth_leveraged", "--set", "hf_reduce=-inf"], "hf_reduce of mode"),
        (["--mode", "eth_leveraged", "--set", "target_ltv=1e999"], "target_ltv of mode"),
        (["--mode", "eth_staking_only", "--set", "dust_gas_multiple=inf"], "dust_gas_multiple"),
        (["--mode", "pure_lending_usdt", "--set", "gas_reserve=inf"], "gas_reserve of mode"),
        (["--mode", "btc_basis", "--set", "capital=1\nrebalance=false"], "line break"),
        (["--mode", "btc_basis", "--set", "rebalance=false\r"], "line break"),
        (["--mode", "btc_basis", "--set", "capital\n=1"], "line break"),
    ],
)
def test_bad_parameters_exit_non_zero_with_one_message(
    tmp_path: Path, capsys, monkeypatch, args: list[str], message: str
) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    code, err = _run(tmp_path, capsys, *args)
    assert code == 2
    assert err.startswith("error: ")
    assert message in err
    assert "fix:" in err
    assert "Traceback" not in err


def _two_months(data: Path) -> list[str]:
    return [
        "--mode",
        "btc_basis",
        "--data",
        str(data),
        "--set",
        "start=2024-01-01",
        "--set",
        "end=2024-03-01",
    ]


def test_missing_series_names_the_file_pattern(tmp_path: Path, capsys, data_copy: Path) -> None:
    for f in (data_copy / FUNDING).glob("okx_BTCUSDT_*"):
        f.unlink()
    code, err = _run(tmp_path, capsys, *_two_months(data_copy))
    assert code == 2
    assert "okx_BTCUSDT_funding_rates_*.csv" in err


def test_malformed_row_names_file_and_line(tmp_path: Path, capsys, data_copy: Path) -> None:
    (path,) = (data_copy / FUNDING).glob("binance_BTCUSDT_*")
    lines = path.read_text().splitlines()
    lines[5] = lines[5].split(",")[0] + ",not-a-number," + ",".join(lines[5].split(",")[2:])
    path.write_text("\n".join(lines) + "\n")
    code, err = _run(tmp_path, capsys, *_two_months(data_copy))
    assert code == 2
    assert path.name in err
    assert "line 6" in err


def test_data_folder_that_does_not_exist(tmp_path: Path, capsys) -> None:
    code, err = _run(tmp_path, capsys, "--mode", "btc_basis", "--data", str(tmp_path / "nope"))
    assert code == 2
    assert str(tmp_path / "nope") in err


def test_a_bad_log_level_from_the_environment_is_refused(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("CARRY_LOG_LEVEL", "bogus")
    code, err = _run(tmp_path, capsys, "--mode", "btc_basis")
    assert code == 2
    assert "CARRY_LOG_LEVEL='bogus' is not a log level" in err
    assert "fix: use one of: debug, info, warning, error" in err
