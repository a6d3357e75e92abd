"""Strategy parameters: one frozen, validated struct per strategy family.

Every field can be overridden on the command line with `--set name=value`; unknown
names are rejected. Defaults follow DOMAIN.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from schemas.base import Fraction, NonNegativeFloat, PositiveFloat

OpenFraction = Annotated[float, msgspec.Meta(gt=0, lt=1)]
Hours = Annotated[float, msgspec.Meta(gt=0, le=24 * 90)]


def _default_hedge() -> dict[str, float]:
    return {"binance": 0.4, "bybit": 0.3, "okx": 0.3}


class CommonParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters every mode has.

    Attributes:
        capital: initial capital in the share class (default 100000).
        start: first step, `YYYY-MM-DD` or ISO time, UTC.
        end: end of the window (exclusive).
        rebalance: act on equity deviation and risk breaches (default true).
        position_deviation_threshold: relative equity move since the last rebalance
            that triggers a rebalance (default 0.02).
        costs: fees and slippage on (default true); off makes every trade free.
        price_staleness_hours: longest a price may be carried over a gap (default 24).
        funding_staleness_hours: longest a funding rate may be carried over missing
            settlements (default 48).
        index_staleness_hours: longest gap between Aave / oracle points (default 48).
    """

    capital: PositiveFloat = 100_000.0
    start: str = "2024-01-01"
    end: str = "2025-09-01"
    rebalance: bool = True
    position_deviation_threshold: Fraction = 0.02
    costs: bool = True
    price_staleness_hours: Hours = 24.0
    funding_staleness_hours: Hours = 48.0
    index_staleness_hours: Hours = 48.0


class LendingParams(CommonParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Supply one asset to Aave v3.

    Attributes:
        asset: the supplied asset (`USDT`).
        gas_reserve: USDT kept in the wallet to pay gas (default 20).
    """

    asset: Literal["USDT"] = "USDT"
    gas_reserve: NonNegativeFloat = 20.0


class BasisParams(CommonParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Long spot, short perps: collect funding.

    Attributes:
        asset: `BTC` or `ETH`.
        spot_venue: where the spot leg is bought (default binance; bybit for ETH).
        spot_allocation: fraction of equity that buys spot; the rest is perp margin
            (default 0.6667: margin ratio starts at the 0.5 target).
        hedge_allocation: venue -> fraction of the short; must sum to 1
            (default binance 0.4, bybit 0.3, okx 0.3).
        target_margin_ratio: margin ratio a rebalance restores (0.5).
        margin_warn: warn below this margin ratio (0.15).
        margin_reduce: reduce below this margin ratio (0.20).
        delta_report: report net delta / gross above this (0.005).
        delta_rebalance: rebalance net delta / gross above this (0.02).
    """

    asset: Literal["BTC", "ETH"] = "BTC"
    spot_venue: str = "binance"
    spot_allocation: OpenFraction = 0.6667
    hedge_allocation: dict[str, Fraction] = msgspec.field(default_factory=_default_hedge)
    target_margin_ratio: PositiveFloat = 0.5
    margin_warn: PositiveFloat = 0.15
    margin_reduce: PositiveFloat = 0.20
    delta_report: PositiveFloat = 0.005
    delta_rebalance: PositiveFloat = 0.02


def _default_two_venues() -> dict[str, float]:
    return {"binance": 0.5, "bybit": 0.5}


class EthLendingParams(CommonParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Supply WETH to Aave v3; capital and P&L in ETH.

    Attributes:
        asset: the supplied reserve (`WETH`).
        gas_reserve: ETH kept in the wallet for gas (default 0.05).
    """

    asset: Literal["WETH"] = "WETH"
    gas_reserve: NonNegativeFloat = 0.05


class StakingParams(CommonParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Hold a liquid-staking token and collect its rewards.

    Attributes:
        lst_type: `weeth` (EtherFi, earns EIGEN/ETHFI drops) or `wsteth` (Lido).
        seasonal_drop_estimate: where a reward source gives a range ("~5-15 ETHFI per
            eETH"), which value to use: `low`, `midpoint` (default) or `high`.
        sell_dust: sell reward tokens into the share class (default true).
        dust_gas_multiple: sell only above this multiple of the sale's gas cost (100).
        gas_reserve: share-class amount kept in the wallet to pay gas (0.05 ETH).
    """

    lst_type: Literal["weeth", "wsteth"] = "weeth"
    seasonal_drop_estimate: Literal["low", "midpoint", "high"] = "midpoint"
    sell_dust: bool = True
    dust_gas_multiple: PositiveFloat = 100.0
    gas_reserve: NonNegativeFloat = 0.05

    @property
    def lst(self) -> str:
        """The LST's symbol: `weETH` or `wstETH`."""
        return LST_NAMES[self.lst_type]


LST_NAMES = {"weeth": "weETH", "wsteth": "wstETH"}


class LeveragedParams(StakingParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """LST collateral on Aave, WETH debt, restaked: a flash-loan loop to `target_ltv`.

    Attributes:
        target_ltv: loop LTV (default: max_ltv * (1 - 0.0225), the LST peg buffer;
            0.9094 in e-mode).
        max_ltv: highest LTV the strategy accepts (default: the Aave mode's maximum,
            0.93 in e-mode, 0.80 in standard mode).
        emode: Aave e-mode (LTV 0.93, LT 0.95, bonus 0.01) or standard (0.80/0.85/0.05).
        hf_reduce: delever below this health factor (default: the health factor at
            `max_ltv`, LT / max_ltv = 1.0215 in e-mode; it must sit below the health factor
            at the target, LT / target_ltv = 1.0447 in e-mode, or the loop would always be
            reducing: DOMAIN's 1.1 fits targets up to LT / 1.1).
        ltv_drift: re-lever when |LTV - target| exceeds this (0.02).
    """

    target_ltv: OpenFraction | None = None
    max_ltv: OpenFraction | None = None
    emode: bool = True
    hf_reduce: PositiveFloat | None = None
    ltv_drift: PositiveFloat = 0.02


class HedgedParams(StakingParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """USDT capital: stake part of it as ETH, short ETH perps against the staked delta.

    Attributes:
        stake_allocation: fraction of equity that buys ETH and stakes it (0.5).
        spot_venue: CEX where the ETH is bought and sold (bybit).
        hedge_allocation: venue -> fraction of the short (binance 0.5, bybit 0.5: OKX
            funding misses August 2024).
        target_margin_ratio: margin ratio a rebalance restores (0.5).
        margin_warn: warn below this margin ratio (0.15).
        margin_reduce: reduce below this margin ratio (0.20).
        delta_report: report net delta / gross above this (0.005).
        delta_rebalance: rebalance net delta / gross above this (0.02).
    """

    stake_allocation: OpenFraction = 0.5
    spot_venue: str = "bybit"
    hedge_allocation: dict[str, Fraction] = msgspec.field(default_factory=_default_two_venues)
    target_margin_ratio: PositiveFloat = 0.5
    margin_warn: PositiveFloat = 0.15
    margin_reduce: PositiveFloat = 0.20
    delta_report: PositiveFloat = 0.005
    delta_rebalance: PositiveFloat = 0.02


class HedgedLeveragedParams(HedgedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """As `HedgedParams`, with the staked part levered as in `LeveragedParams`."""

    target_ltv: OpenFraction | None = None
    max_ltv: OpenFraction | None = None
    emode: bool = True
    hf_reduce: PositiveFloat | None = None
    ltv_drift: PositiveFloat = 0.02


class DirectionalParams(CommonParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """BTC perps long or short on an external signal file.

    Attributes:
        signal_file: the signal CSV (timestamp, signal, confidence, sd); write one with
            `carry signals make`.
        margin: `USDT` (USDT-margined perp, USDT capital) or `BTC` (BTC capital and
            share class: only the USDT margin a position needs is swapped out of BTC).
        venue: the perp venue (binance).
        confidence_threshold: act on a long/short signal only at or above this
            confidence (0.6); below it, or on neutral, the position is closed.
        max_leverage: position notional at confidence 1, as a multiple of equity (1.0);
            the notional is equity x max_leverage x confidence.
        stop_loss_sd: close when the price moves this many signal sd against the entry (2).
        take_profit_sd: close when the price moves this many signal sd in favour (3).
        signal_staleness_hours: a signal older than this is treated as neutral (48).
        margin_warn: warn below this perp margin ratio (0.15).
        margin_reduce: reduce below this perp margin ratio (0.20).
    """

    signal_file: str = ""
    margin: Literal["USDT", "BTC"] = "USDT"
    venue: str = "binance"
    confidence_threshold: Fraction = 0.6
    max_leverage: Annotated[float, msgspec.Meta(gt=0, le=5)] = 1.0
    stop_loss_sd: PositiveFloat = 2.0
    take_profit_sd: PositiveFloat = 3.0
    signal_staleness_hours: Hours = 48.0
    margin_warn: PositiveFloat = 0.15
    margin_reduce: PositiveFloat = 0.20


PEG_BUFFER = 0.0225
"""Target LTV = max LTV * (1 - buffer): room for the LST to trade below its oracle rate."""


def leverage_limits(
    params: LeveragedParams | HedgedLeveragedParams, mode_ltv: float
) -> tuple[float, float]:
    """`(target_ltv, max_ltv)` with the defaults resolved against the Aave mode's LTV."""
    max_ltv = params.max_ltv if params.max_ltv is not None else mode_ltv
    target = params.target_ltv if params.target_ltv is not None else max_ltv * (1 - PEG_BUFFER)
    return target, max_ltv


def hf_reduce_level(
    params: LeveragedParams | HedgedLeveragedParams, mode_ltv: float, threshold: float
) -> float:
    """The health factor below which the loop delevers (default: HF at `max_ltv`)."""
    if params.hf_reduce is not None:
        return params.hf_reduce
    return threshold / leverage_limits(params, mode_ltv)[1]


PARAMS_BY_STRATEGY: dict[str, type[CommonParams]] = {
    "lending": LendingParams,
    "basis": BasisParams,
    "eth_lending": EthLendingParams,
    "staking": StakingParams,
    "leveraged": LeveragedParams,
    "hedged": HedgedParams,
    "hedged_leveraged": HedgedLeveragedParams,
    "directional": DirectionalParams,
}
