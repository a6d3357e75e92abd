"""Bad ticks in copies of the real data: reported with file, line and value, never P&L.

Each test corrupts one cell of one real file (in a temporary folder of links to the real
data) and runs a month. The bad value is dropped and its hour filled as a missing one
(from the same instrument on another venue where there is one), so the run ends where
the clean run ends, and its notes say what was repaired.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.cli.main import main
from services.data.check import check_folder
from tests.integration.data.corrupt import becomes, edit_cell, mirror, times
from tests.stubs import backtest

pytestmark = pytest.mark.realdata

PERP = "market_data/derivatives/futures_ohlcv/binance_BTCUSDT_perp_1h_*.csv"
SPOT = "market_data/spot_prices/btc_usd/binance_BTCUSDT_1h_*.csv"
FUNDING = "market_data/derivatives/funding_rates/binance_BTCUSDT_funding_rates_*.csv"
EIGEN_DROPS = "manual_sources/etherfi_distributions/eigen_distributions_raw.csv"
EIGEN_PRICE = "market_data/spot_prices/protocol_tokens/uniswapv3_EIGENWETH_1h_*.csv"
LST_RATE = "protocol_data/aave/oracle/weETH_ETH_oracle_*.csv"
BASIS = ("btc_basis", "start=2024-09-01", "end=2024-10-01")
LEVERED = ("eth_leveraged", "start=2024-10-01", "end=2024-11-01")


@pytest.fixture(scope="module")
def clean(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("clean")
    return {
        "btc_basis": backtest(real_data_dir, out / "basis", *BASIS),
        "eth_leveraged": backtest(real_data_dir, out / "lev", *LEVERED),
    }


@pytest.fixture
def copy(real_data_dir: Path, tmp_path: Path) -> Path:
    return mirror(real_data_dir, tmp_path / "data")


def _repaired(copy: Path, rel: str, line: int) -> None:
    """`carry data check` names the file, the line and the value, and the folder stays usable."""
    report = check_folder(copy)
    found = [d for d in report.defects if d.file == rel and d.line == line]
    assert found, f"no defect at {rel} line {line}"
    assert found[0].kind in ("outlier", "impossible")
    assert found[0].detail.startswith(f"line {line}: ")


def _same_run(s: dict[str, Any], clean: dict[str, Any], rel: str, line: int) -> None:
    assert s["liquidations"] == clean["liquidations"] == []
    assert s["final_equity"] == pytest.approx(clean["final_equity"], rel=2e-5)
    assert s["max_drawdown"] == pytest.approx(clean["max_drawdown"], abs=2e-4)
    assert any(n.startswith("data repaired: ") and f"line {line}: " in n for n in s["notes"])
    assert any(rel in n for n in s["notes"])


@pytest.mark.parametrize(
    ("pattern", "column", "change"),
    [
        (PERP, "close", times(10)),
        (SPOT, "close", times(10)),
        (PERP, "high", becomes("1e300")),
    ],
    ids=["perp-close-x10", "spot-close-x10", "perp-high-1e300"],
)
def test_bad_price_tick_is_repaired_not_traded(
    copy: Path, tmp_path: Path, clean: dict[str, Any], pattern: str, column: str, change: Any
) -> None:
    rel, line, _ = edit_cell(copy, pattern, "2024-09-15T12:00:00Z", column, change)
    _repaired(copy, rel, line)
    s = backtest(copy, tmp_path / "out", *BASIS)
    _same_run(s, clean["btc_basis"], rel, line)
    assert s["attribution"]["funding"] == pytest.approx(
        clean["btc_basis"]["attribution"]["funding"], rel=1e-4
    )


def test_funding_rate_beyond_the_cap_is_repaired_not_paid(
    copy: Path, tmp_path: Path, clean: dict[str, Any]
) -> None:
    rel, line, _ = edit_cell(copy, FUNDING, "2024-09-15T08:00:00Z", "funding_rate", becomes("0.5"))
    _repaired(copy, rel, line)
    s = backtest(copy, tmp_path / "out", *BASIS)
    _same_run(s, clean["btc_basis"], rel, line)
    # The settlement is paid at the rate before it (carried, like a missing one): a few USDT.
    assert abs(s["attribution"]["funding"] - clean["btc_basis"]["attribution"]["funding"]) < 10
    assert s["filled_values"]["binance:funding:BTCUSDT"] == {"forward": 1}


def test_zero_lst_rate_is_repaired_not_divided_by(
    copy: Path, tmp_path: Path, clean: dict[str, Any]
) -> None:
    rel, line, _ = edit_cell(copy, LST_RATE, "2024-10-10 12:00", "oracle_price_eth", becomes("0"))
    _repaired(copy, rel, line)
    s = backtest(copy, tmp_path / "out", *LEVERED)
    _same_run(s, clean["eth_leveraged"], rel, line)


def test_nan_eigen_price_is_repaired(copy: Path, tmp_path: Path, clean: dict[str, Any]) -> None:
    stamp = "1728561600"  # 2024-10-10 12:00 UTC
    rel, line, _ = edit_cell(copy, EIGEN_PRICE, stamp, "close", becomes("NaN"))
    _repaired(copy, rel, line)
    s = backtest(copy, tmp_path / "out", *LEVERED)
    _same_run(s, clean["eth_leveraged"], rel, line)


def test_nan_eigen_figure_is_refused_naming_file_and_line(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, line, _ = edit_cell(copy, EIGEN_DROPS, "2024-10-13", "eigen_per_eeth_weekly", becomes("NaN"))
    out = tmp_path / "out"
    args = ["backtest", "--mode", LEVERED[0], "--data", str(copy), "--out", str(out), "--quiet"]
    code = main([*args, "--set", LEVERED[1], "--set", LEVERED[2]])
    err = capsys.readouterr().err
    assert code == 2
    assert f"eigen_distributions_raw.csv line {line}: eigen_per_eeth_weekly 'NaN'" in err
    assert "fix: " in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")]
