"""The synthetic sample: deterministic, loadable by the catalog, plausible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.data.catalog import SERIES
from services.data.files import matching_files
from services.data.load import load_series
from services.data.sample.generate import generate_sample
from services.data.times import HOUR_NS, parse_when
from services.errors import ConfigError

REQUIRED = {
    "binance:spot:BTCUSDT",
    "bybit:spot:BTCUSDT",
    "bybit:spot:ETHUSDT",
    "binance:perp:BTCUSDT",
    "binance:perp:ETHUSDT",
    "bybit:perp:BTCUSDT",
    "bybit:perp:ETHUSDT",
    "okx:perp:ETHUSDT",
    *(f"{v}:funding:{s}" for v in ("binance", "bybit", "okx") for s in ("BTCUSDT", "ETHUSDT")),
    "aave:rates:USDT",
    "aave:rates:WETH",
    "aave:rates:weETH",
    "aave:rates:wstETH",
    "oracle:USDT/USD",
    "oracle:WETH/USD",
}


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_same_bytes(tmp_path: Path, sample_dir: Path) -> None:
    again = generate_sample(tmp_path / "again", seed=7)
    assert _contents(again) == _contents(sample_dir)


def test_other_seed_other_prices(tmp_path: Path, sample_dir: Path) -> None:
    other = _contents(generate_sample(tmp_path / "other", seed=8))
    mine = _contents(sample_dir)
    assert other.keys() == mine.keys()
    rel = next(k for k in mine if "binance_BTCUSDT_1h_" in k)
    assert other[rel] != mine[rel]


def test_catalog_loads_every_generated_series(sample_dir: Path) -> None:
    present = {name for name, spec in SERIES.items() if matching_files(sample_dir, spec.pattern)}
    assert present >= REQUIRED
    for name in sorted(present):
        s = load_series(sample_dir, name)
        assert s.usable, name
        assert {d.kind for d in s.defects} <= {"comment_lines"}, (name, s.defects)
        assert s.ts[0] == parse_when("2024-01-01"), name


def test_readme_says_synthetic(sample_dir: Path) -> None:
    text = (sample_dir / "README.txt").read_text()
    assert text.startswith("SYNTHETIC SAMPLE DATA")
    assert "seed=7" in text


def test_prices_start_near_reference_levels_with_plausible_volatility(sample_dir: Path) -> None:
    for name, start in (("binance:spot:BTCUSDT", 42_000.0), ("bybit:spot:ETHUSDT", 2_300.0)):
        close = load_series(sample_dir, name).columns["close"]
        assert close[0] == pytest.approx(start, rel=0.01)
        vol = np.diff(np.log(close)).std() * np.sqrt(24 * 365)
        assert 0.45 < vol < 0.8, (name, vol)
        assert close.max() > 1.1 * close[0]  # the rally


def test_ohlc_bars_are_consistent(sample_dir: Path) -> None:
    for name in ("binance:perp:BTCUSDT", "okx:perp:ETHUSDT", "uniswap:ETHFI/WETH"):
        c = load_series(sample_dir, name).columns
        assert np.all(c["low"] <= np.minimum(c["open"], c["close"]))
        assert np.all(c["high"] >= np.maximum(c["open"], c["close"]))


def test_perp_trades_at_a_small_basis(sample_dir: Path) -> None:
    spot = load_series(sample_dir, "binance:spot:BTCUSDT").columns["close"]
    perp = load_series(sample_dir, "binance:perp:BTCUSDT").columns["close"]
    basis = perp / spot - 1.0
    assert 0.0 < basis.mean() < 0.002
    assert np.abs(basis).max() < 0.01


def test_funding_is_mostly_positive_with_clustered_negative_spells(sample_dir: Path) -> None:
    s = load_series(sample_dir, "binance:funding:BTCUSDT")
    assert np.all(s.ts % (8 * HOUR_NS) == 0)  # 00/08/16 UTC
    rate = s.columns["funding_rate"]
    assert 0.00005 < rate.mean() < 0.0002
    negative = rate < 0
    assert 0.03 < negative.mean() < 0.2
    # Clustered: a negative period is followed by another far more often than chance.
    follow = (negative[1:] & negative[:-1]).sum() / negative[:-1].sum()
    assert follow > 2 * negative.mean()


def test_aave_indices_grow_from_their_rates(sample_dir: Path) -> None:
    for asset, lo, hi in (("USDT", 0.05, 0.10), ("WETH", 0.01, 0.03)):
        c = load_series(sample_dir, f"aave:rates:{asset}").columns
        assert np.all(np.diff(c["liquidityIndex"]) > 0)
        assert np.all(np.diff(c["variableBorrowIndex"]) > 0)
        assert lo < c["currentLiquidityRate"].mean() < hi
        assert np.all(c["currentVariableBorrowRate"] > c["currentLiquidityRate"])
        growth = c["liquidityIndex"][-1] / c["liquidityIndex"][0] - 1.0
        implied = growth * 365.0 / (len(c["liquidityIndex"]) - 1)
        assert implied == pytest.approx(c["currentLiquidityRate"][:-1].mean(), rel=0.05)


def test_eth_shock_moves_eth_only(tmp_path: Path, sample_dir: Path) -> None:
    shocked = generate_sample(tmp_path / "shock", seed=7, eth_shock=-0.4, shock_at="2024-03-01")
    base_eth = load_series(sample_dir, "bybit:spot:ETHUSDT")
    eth = load_series(shocked, "bybit:spot:ETHUSDT")
    i = int(np.searchsorted(eth.ts, parse_when("2024-03-01")))
    ratio = eth.columns["close"] / base_eth.columns["close"]
    assert ratio[: i - 1] == pytest.approx(1.0, abs=1e-3)
    assert ratio[i + 3 :] == pytest.approx(0.6, rel=0.01)
    drop = eth.columns["close"][i + 2] / eth.columns["close"][i - 1]
    assert drop < 0.65
    btc_a = load_series(sample_dir, "binance:spot:BTCUSDT").columns["close"]
    btc_b = load_series(shocked, "binance:spot:BTCUSDT").columns["close"]
    assert np.array_equal(btc_a, btc_b)
    weth = load_series(shocked, "oracle:WETH/USD").columns["oracle_price_usd"]
    assert weth[i + 3] < 0.7 * weth[i - 1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "2024-01-01", "end": "2024-01-01"}, "at least two apart"),
        ({"start": "January", "end": "2024-01-05"}, "not two ISO dates"),
        ({"eth_shock": -1.5}, "outside"),
        ({"eth_shock": -0.3, "shock_at": "2025-01-01"}, "outside the sample window"),
    ],
)
def test_invalid_parameters_are_config_errors(tmp_path: Path, kwargs, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        generate_sample(tmp_path / "bad", **kwargs)


def test_regenerating_replaces_the_previous_sample(tmp_path: Path) -> None:
    root = tmp_path / "s"
    generate_sample(root, start="2024-01-01", end="2024-01-10")
    generate_sample(root, start="2024-02-01", end="2024-02-05")
    spot = sorted(p.name for p in root.rglob("binance_BTCUSDT_1h_*.csv"))
    assert spot == ["binance_BTCUSDT_1h_2024-02-01_2024-02-05.csv"]


def test_refuses_to_write_into_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a Carry sample"):
        generate_sample(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
