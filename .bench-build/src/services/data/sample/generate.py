"""A small synthetic dataset in the layout and file names of ``../shared/data``.

The same catalog loads it. It is deterministic: one seed, one set of bytes. Hourly CEX
prices (GBM with a rally, a drawdown, a volatile spell and a recovery), perps at a small
basis, funding every 8h (mostly positive, negative spells clustered), daily Aave v3
indices growing from their rates, Aave oracles, LST exchange rates, pegs, gas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.data.sample import paths as sp
from services.data.sample.files import SampleWriter, stamps
from services.data.sample.folder import previous_sample_files
from services.data.times import DAY_NS, HOUR_NS, parse_when
from services.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FUNDING_SCALE = {"binance": 1.0, "bybit": 1.05, "okx": 0.5}
# (supply mean, supply sd, utilisation, reserve factor, liquidity index 0, borrow index 0)
_AAVE = {
    "USDT": (0.07, 0.012, 0.85, 0.10, 1.0362, 1.0494),
    "WETH": (0.02, 0.003, 0.80, 0.15, 1.0181, 1.0329),
    "weETH": (0.001, 0.0003, 0.10, 0.35, 1.00004, 1.0008),
    "wstETH": (0.00002, 0.00001, 0.006, 0.35, 1.0005, 1.0049),
}
# LST/ETH exchange rate at the start and its annual growth.
_LST = {"weETH": (1.0382, 0.0275), "wstETH": (1.1663, 0.030)}


def generate_sample(
    out_dir: Path,
    seed: int = 7,
    start: str = "2024-01-01",
    end: str = "2024-05-01",
    *,
    eth_shock: float | None = None,
    shock_at: str | None = None,
    lst_shock: float | None = None,
) -> Path:
    """Write the synthetic dataset into ``out_dir`` and return it.

    Args:
        out_dir: the folder to write (created if needed; existing sample files are replaced).
        seed: the random seed; the same seed writes identical bytes.
        start: first day (``YYYY-MM-DD``), UTC.
        end: day after the last hourly row (exclusive); daily files include it.
        eth_shock: stress option: a sudden ETH move over three hours (``-0.35`` crash,
            ``0.5`` spike); the level stays shifted. None for no shock.
        shock_at: when the shock starts (ISO date or date-time); the window's middle
            hour when omitted.
        lst_shock: stress option: a depeg of both LSTs against ETH over three hours
            (``-0.05`` = their exchange rates and market rates fall 5 %), from
            ``shock_at``; None for no depeg.

    Raises:
        ConfigError: an invalid window or shock.
    """
    t0, t1, shock_hour = _window(start, end, eth_shock, shock_at, lst_shock)
    _clear_previous(Path(out_dir))
    hours = np.arange(t0, t1, HOUR_NS, dtype=np.int64)
    days = np.arange(t0, t1 + 1, DAY_NS, dtype=np.int64)
    rngs = np.random.default_rng(seed).spawn(6)
    btc, eth = sp.price_paths(rngs[0], len(hours), eth_shock=eth_shock, shock_hour=shock_hour)
    out = SampleWriter(Path(out_dir), start, end)
    _write_cex(out, rngs[1], hours, btc, eth)
    _write_funding(out, rngs[2], np.arange(t0, t1, 8 * HOUR_NS, dtype=np.int64))
    eth_daily = eth[np.minimum((days - t0) // HOUR_NS, len(eth) - 1)]
    ratios = _write_aave_and_lst(out, rngs[3], days, hours, eth_daily)
    if lst_shock is not None and shock_hour is not None:
        ramp = (1.0 + lst_shock) ** (np.arange(1, 4) / 3.0)
        for lst, path in ratios.items():
            shocked = path.copy()
            shocked[shock_hour : shock_hour + 3] *= ramp[: len(shocked[shock_hour:])][:3]
            shocked[shock_hour + 3 :] *= 1.0 + lst_shock
            ratios[lst] = shocked
    _write_oracles(out, rngs[4], days, hours, eth, ratios)
    _write_onchain(out, rngs[5], hours, ratios)
    _write_distributions(out, t0, t1)
    out.readme(seed, eth_shock, shock_at, lst_shock)
    return Path(out_dir)


def _clear_previous(root: Path) -> None:
    old = previous_sample_files(root)
    if old is None:
        raise ConfigError(
            f"sample folder {root} is not empty and is not a Carry sample (no sample README.txt)",
            "choose an empty or new folder for the synthetic sample",
        )
    for path in old:
        if path.is_file() and path.resolve().is_relative_to(root.resolve()):
            path.unlink()


def _window(
    start: str,
    end: str,
    eth_shock: float | None,
    shock_at: str | None,
    lst_shock: float | None = None,
) -> tuple[int, int, int | None]:
    try:
        t0, t1 = parse_when(start), parse_when(end)
    except ValueError:
        raise ConfigError(
            f"sample window {start!r} .. {end!r} is not two ISO dates",
            "use dates like start=2024-01-01 end=2024-05-01",
        ) from None
    if t0 % DAY_NS or t1 % DAY_NS or t1 - t0 < 2 * DAY_NS:
        raise ConfigError(
            f"sample window {start} .. {end} must be whole days, at least two apart",
            "use dates like start=2024-01-01 end=2024-05-01",
        )
    if lst_shock is not None and not -0.5 <= lst_shock <= 0.5:
        raise ConfigError(f"lst_shock {lst_shock} is outside [-0.5, 0.5]", "use e.g. -0.05")
    if eth_shock is None and lst_shock is None:
        return t0, t1, None
    if eth_shock is not None and not -0.95 <= eth_shock <= 5.0:
        raise ConfigError(f"eth_shock {eth_shock} is outside [-0.95, 5.0]", "use e.g. -0.35 or 0.5")
    at = parse_when(shock_at) if shock_at else t0 + (t1 - t0) // 2 // HOUR_NS * HOUR_NS
    if not t0 + HOUR_NS <= at <= t1 - 3 * HOUR_NS:
        raise ConfigError(
            f"shock_at {shock_at} is outside the sample window {start} .. {end}",
            "choose a shock time inside the window",
        )
    return t0, t1, int((at - t0) // HOUR_NS)


def _hourly_vol(annual: float) -> float:
    return annual / float(np.sqrt(sp.HOURS_PER_YEAR))


def _write_cex(
    out: SampleWriter, rng: np.random.Generator, hours: IntArray, btc: FloatArray, eth: FloatArray
) -> None:
    n = len(hours)
    for base, path in (("BTC", btc), ("ETH", eth)):
        symbol = f"{base}USDT"
        vol = _hourly_vol(0.55 if base == "BTC" else 0.65)
        basis = sp.basis_path(rng, n)
        venues = {"binance": ("spot", "perp"), "bybit": ("spot", "perp"), "okx": ("perp",)}
        for venue, markets in venues.items():
            for market in markets:
                if base == "BTC" and venue == "okx":
                    continue  # no OKX BTC perp series in the real data either
                if base == "ETH" and venue == "binance" and market == "spot":
                    continue  # no Binance ETH spot series in the real data either
                noise = 1.0 + 0.0001 * rng.standard_normal(n)
                close = path * noise * ((1.0 + basis) if market == "perp" else 1.0)
                bars = sp.ohlc(rng, close, vol)
                out.ohlc_csv(venue, market, symbol, hours, bars, rng)
        if base == "ETH":
            bars = sp.ohlc(rng, path * (1.0 + 0.0003 * rng.standard_normal(n)), vol)
            out.uniswap_csv("WETH", "USDT", "eth_usd", hours, bars, rng)
    for token, p0 in (("EIGEN", 0.0015), ("ETHFI", 0.0018)):
        r = rng.standard_normal(n) * _hourly_vol(1.0)
        close = p0 * np.exp(np.cumsum(r))
        out.uniswap_csv(token, "WETH", "protocol_tokens", hours, sp.ohlc(rng, close, 0.01), rng)


def _write_funding(out: SampleWriter, rng: np.random.Generator, stamps8: IntArray) -> None:
    for symbol in ("BTCUSDT", "ETHUSDT"):
        rates = sp.funding_paths(rng, len(stamps8), _FUNDING_SCALE)
        for venue, r in rates.items():
            out.funding_csv(venue, symbol, stamps8, r)


def _write_aave_and_lst(
    out: SampleWriter,
    rng: np.random.Generator,
    days: IntArray,
    hours: IntArray,
    eth_daily: FloatArray,
) -> dict[str, FloatArray]:
    """Aave daily reserves, and the hourly LST/ETH exchange rates (returned)."""
    n = len(days)
    steps = (len(days) - 1) * 24  # hours from the first to the last day, inclusive
    ratios_hourly, ratios_daily = {}, {}
    for lst, (r0, growth) in _LST.items():
        hourly_growth = growth / sp.HOURS_PER_YEAR * (1.0 + 0.5 * rng.standard_normal(steps))
        path = r0 * np.exp(np.concatenate(([0.0], np.cumsum(hourly_growth))))
        ratios_hourly[lst] = path[: len(hours)]
        ratios_daily[lst] = path[::24]
    usd_price = {"USDT": np.ones(n), "WETH": eth_daily}
    usd_price |= {lst: eth_daily * ratios_daily[lst] for lst in _LST}
    for asset, (mean, sd, util, rf, liq0, bor0) in _AAVE.items():
        supply = sp.rate_path(rng, n, mean, sd, mean * 0.4, mean * 2.0)
        borrow = supply / (util * (1.0 - rf))
        liq, bor = sp.index_paths(supply, borrow, liq0, bor0)
        out.aave_csv(asset, days, liq, supply, bor, borrow, usd_price[asset], util)
    for lst, daily in ratios_daily.items():
        apy = (daily[1:] / daily[:-1]) ** 365.0 - 1.0
        if lst == "weETH":
            out.yields_csv(lst, days[:-1], apy)
    return ratios_hourly


def _write_oracles(
    out: SampleWriter,
    rng: np.random.Generator,
    days: IntArray,
    hours: IntArray,
    eth: FloatArray,
    ratios: dict[str, FloatArray],
) -> None:
    usdt = 1.0 + sp.ar1(rng, len(days), sd=0.0006, phi=0.7)
    out.oracle_csv("USDT", "USD", days, usdt, daily=True)
    weth = eth * (1.0 + 0.0002 * rng.standard_normal(len(hours)))
    out.oracle_csv("WETH", "USD", hours, weth)
    for lst, ratio in ratios.items():
        out.oracle_csv(lst, "ETH", hours, ratio)
        out.oracle_csv(lst, "USD", hours, ratio * weth)


def _write_onchain(
    out: SampleWriter,
    rng: np.random.Generator,
    hours: IntArray,
    ratios: dict[str, FloatArray],
) -> None:
    out.gas_csv(hours, sp.gas_path(rng, len(hours)))
    for lst, ratio in ratios.items():
        premium = np.clip(-0.0007 + sp.ar1(rng, len(hours), sd=0.0008, phi=0.995), -0.005, 0.001)
        out.peg_csv(lst, hours, ratio, ratio * (1.0 + premium))


def _write_distributions(out: SampleWriter, t0: int, t1: int) -> None:
    """EtherFi reward files: weekly EIGEN drops, two ETHFI top-ups, one season (a range)."""
    folder = "manual_sources/etherfi_distributions"
    week = 7 * DAY_NS
    starts = np.arange(t0, t1 - week, week, dtype=np.int64)
    ends = starts + week - DAY_NS
    n = len(starts)
    per = [format(0.17 + 0.01 * (i % 4), ".3f") for i in range(n)]
    out.write(
        f"{folder}/eigen_distributions_raw.csv",
        (
            "staking_period_start",
            "staking_period_end",
            "eigen_earned",
            "eth_restaked",
            "eth_not_restaked",
            "eigen_per_eeth_weekly",
        ),
        (
            stamps(starts, "date"),
            stamps(ends, "date"),
            ["400000"] * n,
            ["2000000"] * n,
            ["150000"] * n,
            per,
        ),
    )
    mid = t0 + (t1 - t0) // 2 // DAY_NS * DAY_NS
    out.write(
        f"{folder}/ethfi_topups_raw.csv",
        (
            "top_up_date",
            "staking_period_start",
            "staking_period_end",
            "ethfi_amount",
            "ethfi_per_eeth_distributed",
        ),
        (
            stamps(np.array([mid, mid + 14 * DAY_NS]), "date"),
            stamps(np.array([t0, mid - 7 * DAY_NS]), "date"),
            stamps(np.array([mid - 2 * DAY_NS, mid - DAY_NS]), "date"),
            ["500000", "41000"],
            ["0.248", "0.020"],
        ),
    )
    out.write(
        f"{folder}/seasonal_drops.csv",
        (
            "start_date",
            "end_date",
            "payout_date",
            "event",
            "reward_token",
            "reward_per_eeth",
            "extra_yield_pct",
            "source_url",
            "notes",
        ),
        (
            stamps(np.array([t0, t0]), "date"),
            stamps(np.array([mid, mid]), "date"),
            stamps(np.array([mid + 7 * DAY_NS, mid + 2 * DAY_NS]), "date"),
            ["Season 9 (synthetic)", "Top-Up #1"],
            ["ETHFI", "ETHFI"],
            ["~2–4", "0.248"],
            ["~0.1%", "~0.01%"],
            ["synthetic", "synthetic"],
            ["range", "also a top-up row"],
        ),
    )
