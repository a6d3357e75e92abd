"""The registry of every series and input file Carry reads from a data folder.

Patterns match the real folder (``../shared/data``) and the synthetic sample written by
`services.data.sample`. Where a 1h and a 1m file exist, the 1h file is used; for the OKX
ETH perp the long ``2024-08-01_2025-09-18`` file wins over the one-month file by the
longest-span rule (see `SeriesSpec.pattern`). The Aave hourly files are linear
interpolations of the daily points and are not used: the daily files are sampled linearly.
"""

from __future__ import annotations

from services.data.specs import Bounds, ColumnSpec, InputSpec, SeriesSpec
from services.data.times import DAY_NS, HOUR_NS
from services.errors import DataError

_DATES = "????-??-??_????-??-??"
_PRICE = Bounds(positive=True)
# Funding-rate caps per 8h period (a rate beyond its venue's cap cannot have been paid).
# Binance: BTCUSDT +-0.3 % (Binance's published cap), ETHUSDT +-0.375 % (Binance's rule:
# 0.75 x the first-tier maintenance margin rate, 0.5 %). OKX: BTC +-0.375 %, ETH +-0.75 %
# (OKX's published clamp). Bybit publishes its limits per contract; +-0.375 % is taken for
# both (0.75 x its first-tier initial minus maintenance margin). The real data stays
# under 0.12 % in every file.
FUNDING_CAPS: dict[tuple[str, str], float] = {
    ("binance", "BTCUSDT"): 0.003,
    ("binance", "ETHUSDT"): 0.00375,
    ("bybit", "BTCUSDT"): 0.00375,
    ("bybit", "ETHUSDT"): 0.00375,
    ("okx", "BTCUSDT"): 0.00375,
    ("okx", "ETHUSDT"): 0.0075,
}
_INDEX = Bounds(lo=0.5, hi=10.0, units_hint="looks like rays (1e27 = 1.0): divide by 1e27")
_RATE = Bounds(lo=0.0, hi=3.0, units_hint="looks like rays or percent, not a decimal annual rate")
_LST_ETH = Bounds(lo=0.9, hi=1.5, units_hint="looks like a USD price, not an LST/ETH rate")


def _ohlc(name: str, pattern: str, unit: str, description: str, note: str = "") -> SeriesSpec:
    cols = tuple(
        ColumnSpec(name=c, unit=unit, bounds=_PRICE, spikes=True) for c in ("open", "high", "low")
    )
    close = ColumnSpec(name="close", unit=unit, bounds=_PRICE, spikes=True)
    unix = pattern.split("/")[-1].startswith("uniswapv3_")
    return SeriesSpec(
        name=name,
        pattern=pattern,
        time_column="timestamp",
        time_format="unix_s" if unix else "iso_z",
        columns=(*cols, close),
        step_ns=HOUR_NS,
        kind="price",
        method="previous",
        description=description,
        note=note,
    )


def _cex(venue: str, market: str, symbol: str) -> SeriesSpec:
    base = symbol.removesuffix("USDT")
    if market == "perp":
        pattern = f"market_data/derivatives/futures_ohlcv/{venue}_{symbol}_perp_1h_*.csv"
    else:
        folder = f"market_data/spot_prices/{base.lower()}_usd"
        infix = "" if venue == "binance" else "_spot"
        pattern = f"{folder}/{venue}_{symbol}{infix}_1h_*.csv"
    note = "also the mark price for funding (no mark-price series)" if market == "perp" else ""
    return _ohlc(
        f"{venue}:{market}:{symbol}", pattern, "USDT", f"{venue} {base} {market} 1h OHLC", note
    )


def _funding(venue: str, symbol: str) -> SeriesSpec:
    cap = FUNDING_CAPS[(venue, symbol)]
    bounds = Bounds(
        lo=-cap,
        hi=cap,
        units_hint="looks like percent per 8h: divide by 100",
        label=f"{venue}'s {symbol} funding cap of +-{cap:.3%}",
    )
    return SeriesSpec(
        name=f"{venue}:funding:{symbol}",
        pattern=f"market_data/derivatives/funding_rates/{venue}_{symbol}_funding_rates_*.csv",
        time_column="funding_timestamp",
        time_format="iso_z",
        columns=(ColumnSpec(name="funding_rate", unit="per 8h period", bounds=bounds),),
        step_ns=8 * HOUR_NS,
        kind="funding",
        method="previous",
        description=f"{venue} {symbol} perp funding rate, settled 00/08/16 UTC",
    )


def _aave(asset: str) -> SeriesSpec:
    return SeriesSpec(
        name=f"aave:rates:{asset}",
        pattern=f"protocol_data/aave/rates/aave_v3_aave-v3-ethereum_{asset}_rates_{_DATES}.csv",
        time_column="targetDate",
        time_format="iso_z",
        columns=(
            ColumnSpec(name="liquidityIndex", unit="index", bounds=_INDEX, rises="index"),
            ColumnSpec(name="variableBorrowIndex", unit="index", bounds=_INDEX, rises="index"),
            ColumnSpec(name="currentLiquidityRate", unit="annual", bounds=_RATE),
            ColumnSpec(name="currentVariableBorrowRate", unit="annual", bounds=_RATE),
        ),
        step_ns=DAY_NS,
        kind="aave_index",
        method="linear",
        description=f"Aave v3 Ethereum {asset} reserve: daily indices and rates",
    )


def _oracle(pair: str, daily: bool = False) -> SeriesSpec:
    asset, quote = pair.split("/")
    column = "oracle_price_eth" if quote == "ETH" else "oracle_price_usd"
    if quote == "ETH":
        bounds = _LST_ETH
    elif asset == "USDT":
        bounds = Bounds(positive=True, lo=0.8, hi=1.2)
    else:
        bounds = _PRICE
    return SeriesSpec(
        name=f"oracle:{pair}",
        pattern=f"protocol_data/aave/oracle/{asset}_{quote}_oracle_*.csv",
        time_column="timestamp",
        time_format="unix_s" if daily else "iso_space_offset",
        columns=(
            ColumnSpec(
                name=column,
                unit=quote,
                bounds=bounds,
                rises="exchange_rate" if quote == "ETH" else "",
                spikes=quote == "USD" and asset != "USDT",
            ),
        ),
        step_ns=DAY_NS if daily else HOUR_NS,
        kind="oracle",
        method="linear",
        description=f"Aave oracle {asset} price in {quote}",
        note="" if daily else "hourly rows are a linear interpolation of daily points",
    )


def _peg(lst: str) -> SeriesSpec:
    return SeriesSpec(
        name=f"peg:{lst}",
        pattern=f"protocol_data/staking/peg_analysis/{lst}_peg_analysis_{_DATES}.csv",
        time_column="timestamp",
        time_format="iso_space_offset",
        columns=(
            ColumnSpec(name="market_rate", unit="ETH", bounds=_LST_ETH),
            ColumnSpec(name="protocol_rate", unit="ETH", bounds=_LST_ETH, rises="exchange_rate"),
        ),
        step_ns=HOUR_NS,
        kind="peg",
        method="previous",
        description=f"{lst}/ETH market (DEX) rate vs protocol (oracle) rate",
    )


def _yields(lst: str, stem: str, time_column: str, daily: bool) -> SeriesSpec:
    bounds = Bounds(
        lo=-0.5,
        hi=1.0,
        out_kind="broken",
        fix=f"derive the {lst} yield from the oracle:{lst}/ETH exchange-rate series",
    )
    return SeriesSpec(
        name=f"yields:{lst}",
        pattern=f"protocol_data/staking/base_yields/{stem}_oracle_yields_*.csv",
        time_column=time_column,
        time_format="date" if daily else "iso_offset_z",
        columns=(ColumnSpec(name="base_staking_apy", unit="annual", bounds=bounds),),
        step_ns=DAY_NS if daily else HOUR_NS,
        kind="yield",
        method="previous",
        description=f"{lst} base staking APY derived from the oracle rate",
    )


_GAS = SeriesSpec(
    name="gas:ethereum",
    pattern="blockchain_data/gas_prices/ethereum_gas_prices_*.csv",
    time_column="timestamp",
    time_format="iso_z",
    columns=(
        ColumnSpec(name="gas_price_gwei", unit="gwei", bounds=Bounds(positive=True, hi=10_000.0)),
    ),
    step_ns=HOUR_NS,
    kind="gas",
    method="previous",
    description="Ethereum hourly gas price",
)

_ALL: tuple[SeriesSpec, ...] = (
    _cex("binance", "spot", "BTCUSDT"),
    _cex("bybit", "spot", "BTCUSDT"),
    _cex("bybit", "spot", "ETHUSDT"),
    _cex("binance", "perp", "BTCUSDT"),
    _cex("binance", "perp", "ETHUSDT"),
    _cex("bybit", "perp", "BTCUSDT"),
    _cex("bybit", "perp", "ETHUSDT"),
    _cex("okx", "perp", "ETHUSDT"),
    *(_funding(v, s) for v in ("binance", "bybit", "okx") for s in ("BTCUSDT", "ETHUSDT")),
    *(_aave(a) for a in ("USDT", "WETH", "weETH", "wstETH")),
    _oracle("USDT/USD", daily=True),
    *(_oracle(p) for p in ("WETH/USD", "weETH/ETH", "wstETH/ETH", "weETH/USD", "wstETH/USD")),
    _ohlc(
        "uniswap:WETH/USDT",
        "market_data/spot_prices/eth_usd/uniswapv3_WETHUSDT_1h_*.csv",
        "USDT",
        "Uniswap v3 WETH/USDT 0.3% pool, 1h OHLC",
    ),
    _ohlc(
        "uniswap:EIGEN/WETH",
        "market_data/spot_prices/protocol_tokens/uniswapv3_EIGENWETH_1h_*.csv",
        "WETH",
        "Uniswap v3 EIGEN/WETH pool, 1h OHLC (price of one EIGEN in WETH)",
    ),
    _ohlc(
        "uniswap:ETHFI/WETH",
        "market_data/spot_prices/protocol_tokens/uniswapv3_ETHFIWETH_1h_*.csv",
        "WETH",
        "Uniswap v3 ETHFI/WETH pool, 1h OHLC (price of one ETHFI in WETH)",
    ),
    _GAS,
    _peg("weETH"),
    _peg("wstETH"),
    _yields("weETH", "weeth", "date", daily=True),
    _yields("wstETH", "wsteth", "timestamp", daily=False),
)

SERIES: dict[str, SeriesSpec] = {s.name: s for s in _ALL}
"""Every series, by name."""

_CEX = ("binance", "bybit", "okx")


def _siblings(name: str) -> tuple[str, ...]:
    _, market, symbol = name.split(":")
    return tuple(
        other
        for other in SERIES
        if other != name
        and other.split(":")[1:] == [market, symbol]
        and other.split(":")[0] in _CEX
    )


SIBLINGS: dict[str, tuple[str, ...]] = {
    name: _siblings(name) for name in SERIES if name.split(":")[1] in ("spot", "perp")
}
"""The same instrument on the other CEX venues (spot with spot, perp with perp), by name:
bad ticks are found, and missing hours marked, against them."""

_ED = "manual_sources/etherfi_distributions"
_RISK = "market_data/derivatives/risk_params"
_INPUTS: tuple[InputSpec, ...] = (
    InputSpec(
        name="etherfi:eigen_distributions",
        pattern=f"{_ED}/eigen_distributions_raw.csv",
        format="csv",
        description="weekly EIGEN per eETH distributed via KING",
    ),
    InputSpec(
        name="etherfi:ethfi_topups",
        pattern=f"{_ED}/ethfi_topups_raw.csv",
        format="csv",
        description="ETHFI top-ups per eETH and their payout dates",
    ),
    InputSpec(
        name="etherfi:seasonal_drops",
        pattern=f"{_ED}/seasonal_drops.csv",
        format="csv",
        description="seasonal ETHFI airdrops (Seasons 1-5) and top-ups",
    ),
    InputSpec(
        name="etherfi:seasonal_rewards",
        pattern="protocol_data/staking/restaking_final/etherfi_seasonal_rewards_*.csv",
        format="csv",
        description="EtherFi reward schedule as a table (prices in it are not market prices)",
    ),
    InputSpec(
        name="costs:execution_lookup",
        pattern="execution_costs/lookup_tables/execution_costs_lookup.json",
        format="json",
        description="trading cost (bps) by pair, size bucket and date",
    ),
    InputSpec(
        name="gas:operations",
        pattern="blockchain_data/gas_prices/operation_gas_costs_summary_*.json",
        format="json",
        description="gas units per on-chain operation",
    ),
    *(
        InputSpec(
            name=f"margin:{venue}",
            pattern=f"{_RISK}/{venue}_margin_requirements.json",
            format="json",
            description=f"{venue} perp margin requirements (flat, not tiered)",
        )
        for venue in ("binance", "bybit", "okx")
    ),
)

INPUTS: dict[str, InputSpec] = {i.name: i for i in _INPUTS}
"""Every non-series input, by name."""


def get_spec(name: str) -> SeriesSpec:
    """The catalog entry for a series.

    Raises:
        DataError: the name is not in the catalog.
    """
    try:
        return SERIES[name]
    except KeyError:
        raise DataError(
            f"unknown data series {name!r}",
            f"use one of: {', '.join(sorted(SERIES))}",
        ) from None
