"""Strategy parameters: one frozen, validated struct per strategy family.

Every field can be overridden on the command line with `--set name=value`; unknown
names are rejected. Defaults follow DOMAIN.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from schemas.base import Fraction, PositiveFloat

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
    """

    asset: Literal["USDT"] = "USDT"


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


PARAMS_BY_STRATEGY: dict[str, type[CommonParams]] = {
    "lending": LendingParams,
    "basis": BasisParams,
}
