"""Stochastic paths for the synthetic sample: prices, basis, funding, rates, gas.

Every function draws from the generator it is given, in a fixed order, so one seed gives
one dataset. Times are in hours from the start of the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
HOURS_PER_YEAR = 24 * 365


@dataclass(frozen=True)
class Regime:
    """A market phase.

    Attributes:
        start: where it begins, as a fraction of the window.
        drift: annual log drift.
        vol_mult: multiplier on the base volatility.
        funding: mean funding rate per 8h during the phase.
    """

    start: float
    drift: float
    vol_mult: float
    funding: float


REGIMES: tuple[Regime, ...] = (
    Regime(start=0.00, drift=4.5, vol_mult=1.0, funding=0.00022),  # strong trending rally
    Regime(start=0.35, drift=-3.5, vol_mult=1.3, funding=0.00003),  # drawdown
    Regime(start=0.55, drift=0.0, vol_mult=1.8, funding=0.00008),  # volatile spell
    Regime(start=0.75, drift=1.2, vol_mult=1.0, funding=0.00011),  # recovery
)


def regime_index(n: int) -> npt.NDArray[np.int64]:
    """The regime of each of ``n`` equally spaced steps."""
    frac = np.arange(n, dtype=np.float64) / max(n, 1)
    starts = np.array([r.start for r in REGIMES])
    return np.asarray(np.searchsorted(starts, frac, side="right") - 1, dtype=np.int64)


def price_paths(
    rng: np.random.Generator,
    n: int,
    *,
    btc0: float = 42_000.0,
    eth0: float = 2_300.0,
    btc_vol: float = 0.45,
    eth_vol: float = 0.55,
    rho: float = 0.8,
    eth_shock: float | None = None,
    shock_hour: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Hourly BTC and ETH closes: correlated GBMs with regime drift and volatility.

    Args:
        rng: the generator.
        n: number of hours.
        btc0: BTC price at hour 0.
        eth0: ETH price at hour 0.
        btc_vol: BTC base annual volatility (scaled by each regime).
        eth_vol: ETH base annual volatility.
        rho: correlation of the hourly shocks.
        eth_shock: a sudden ETH move (``-0.35`` = a 35 % crash, ``0.5`` = a 50 % spike),
            spread over three hours from ``shock_hour``; the level stays shifted.
        shock_hour: the hour the shock starts.
    """
    reg = regime_index(n)
    drift = np.array([r.drift for r in REGIMES])[reg]
    mult = np.array([r.vol_mult for r in REGIMES])[reg]
    z1 = rng.standard_normal(n)
    z2 = rho * z1 + np.sqrt(1.0 - rho * rho) * rng.standard_normal(n)
    dt = 1.0 / HOURS_PER_YEAR
    paths = []
    for vol, z, beta in ((btc_vol, z1, 1.0), (eth_vol, z2, 1.15)):
        sigma = vol * mult
        r = (beta * drift - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * z
        r[0] = 0.0
        paths.append(r)
    if eth_shock is not None and shock_hour is not None:
        jump = np.log1p(eth_shock) / 3.0
        paths[1][shock_hour : shock_hour + 3] += jump
    btc = btc0 * np.exp(np.cumsum(paths[0]))
    eth = eth0 * np.exp(np.cumsum(paths[1]))
    return btc, eth


def ohlc(
    rng: np.random.Generator, close: FloatArray, hourly_vol: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Open/high/low/close bars around a close path, with low <= open, close <= high."""
    opens = np.empty_like(close)
    opens[0] = close[0] * (1.0 + 0.3 * hourly_vol * rng.standard_normal())
    opens[1:] = close[:-1]
    wick = np.abs(rng.standard_normal((2, len(close)))) * 0.4 * hourly_vol
    high = np.maximum(opens, close) * np.exp(wick[0])
    low = np.minimum(opens, close) * np.exp(-wick[1])
    return opens, high, low, close


def ar1(rng: np.random.Generator, n: int, sd: float, phi: float, start: float = 0.0) -> FloatArray:
    """A zero-mean AR(1) path with stationary standard deviation ``sd``."""
    eps = rng.standard_normal(n) * sd * np.sqrt(1.0 - phi * phi)
    out = np.empty(n)
    x = start
    for i in range(n):
        x = phi * x + eps[i]
        out[i] = x
    return out


def funding_paths(
    rng: np.random.Generator, n: int, venues: dict[str, float]
) -> dict[str, FloatArray]:
    """Funding rates per 8h: a persistent common factor around the regime mean.

    Args:
        rng: the generator.
        n: number of 8h periods.
        venues: venue -> scale of the regime mean (OKX pays less than Binance).

    Negative spells come from the persistence of the common factor (clustered), about
    one period in ten on a scale-1 venue.
    """
    reg = regime_index(n)
    mean = np.array([r.funding for r in REGIMES])[reg]
    common = ar1(rng, n, sd=0.00008, phi=0.9)
    out = {}
    for venue, scale in venues.items():
        idio = rng.standard_normal(n) * 0.000015
        out[venue] = np.round(scale * mean + common + idio, 8)
    return out


def basis_path(rng: np.random.Generator, n: int, mean: float = 0.0004) -> FloatArray:
    """Perp premium over spot: mean-reverting around a small contango."""
    return mean + ar1(rng, n, sd=0.0005, phi=0.97)


def rate_path(
    rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float
) -> FloatArray:
    """A daily annual rate: AR(1) around ``mean``, clipped to ``[lo, hi]``."""
    return np.clip(mean + ar1(rng, n, sd=sd, phi=0.9), lo, hi)


def index_paths(
    supply: FloatArray, borrow: FloatArray, liq0: float, borrow0: float
) -> tuple[FloatArray, FloatArray]:
    """Daily Aave indices from daily rates: linear supply interest, compounded borrow interest."""
    dt = 1.0 / 365.0
    liq = liq0 * np.concatenate(([1.0], np.cumprod(1.0 + supply[:-1] * dt)))
    bor = borrow0 * np.exp(np.concatenate(([0.0], np.cumsum(borrow[:-1] * dt))))
    return liq, bor


def gas_path(rng: np.random.Generator, n: int, level: float = 12.0) -> FloatArray:
    """Hourly gas price in gwei: log-AR(1) with a daily cycle."""
    hour = np.arange(n) % 24
    cycle = 0.25 * np.sin(2 * np.pi * (hour - 9) / 24)
    return np.maximum(np.round(level * np.exp(ar1(rng, n, sd=0.6, phi=0.97) + cycle), 2), 0.05)
