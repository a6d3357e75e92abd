"""On-chain venue configuration (`onchain.toml`): Aave modes, gas units, DEX costs."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

import msgspec

from services.errors import ConfigError


class AaveMode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Risk parameters of a collateral reserve in one mode (standard or e-mode)."""

    ltv: float
    liquidation_threshold: float
    liquidation_bonus: float


class EModeCategory(AaveMode, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An e-mode category: its id, label and risk parameters."""

    category: int
    label: str


class AaveReserve(AaveMode, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reserve: token decimals, standard-mode risk parameters, reserve factor,
    Aave's share of the liquidation bonus, e-mode membership and rate strategy name."""

    decimals: int
    reserve_factor: float
    liquidation_protocol_fee: float
    emode: bool
    rates: str


class RateStrategy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A variable-rate curve (annual rates, usage as a fraction)."""

    optimal_usage: float
    base: float
    slope1: float
    slope2: float


class AaveConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Aave v3 market parameters.

    Attributes:
        close_factor: share of a debt one liquidation may repay ...
        close_factor_max: ... and the share below `close_factor_hf`.
        close_factor_hf: health factor at or below which `close_factor_max` applies.
        flash_loan_fee: fee of the leverage loop's flash loan, fraction of the loan.
        emode: the ETH-correlated e-mode category.
        reserves: symbol -> reserve parameters.
        rates: strategy name -> rate curve.
    """

    close_factor: float
    close_factor_max: float
    close_factor_hf: float
    flash_loan_fee: float
    emode: EModeCategory
    reserves: dict[str, AaveReserve]
    rates: dict[str, RateStrategy]

    def mode(self, reserve: str, emode: bool) -> AaveMode:
        """LTV, liquidation threshold and bonus of `reserve` for an account in or out of
        e-mode (the category's only for reserves in the category)."""
        r = self.reserves[reserve]
        if emode and r.emode:
            return self.emode
        return r


class StakingConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Liquid-staking parameters."""

    etherfi_unstake_days: int


class OnchainConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything on-chain venues need.

    Attributes:
        gas_units: operation -> gas units.
        aave: Aave v3 parameters.
        costs: pair (`ETH/weETH`) -> `[usd_notional, bps]` buckets.
        staking: liquid-staking parameters.
    """

    gas_units: dict[str, int]
    aave: AaveConfig
    costs: dict[str, list[tuple[float, float]]]
    staking: StakingConfig

    def cost_bps(self, pair: str, usd_notional: float) -> float:
        """Trading cost of a `pair` trade of `usd_notional` (either direction of the pair)."""
        buckets = self.costs.get(pair)
        if buckets is None:
            base, quote = pair.split("/")
            buckets = self.costs.get(f"{quote}/{base}")
        if buckets is None:
            raise ConfigError(f"no trading-cost table for {pair}", "add it to onchain.toml")
        for size, bps in buckets:
            if usd_notional <= size:
                return bps
        return buckets[-1][1]

    def gas_eth(self, operation: str, gwei: float) -> float:
        """ETH spent on gas by `operation` at `gwei`."""
        return self.gas_units[operation] * gwei * 1e-9


@cache
def load_onchain() -> OnchainConfig:
    """Read and validate the packaged on-chain configuration."""
    text = resources.files("services.config").joinpath("onchain.toml").read_text()
    try:
        return msgspec.convert(tomllib.loads(text), OnchainConfig)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as e:
        raise ConfigError(f"onchain.toml is invalid: {e}", "restore the packaged file") from e
