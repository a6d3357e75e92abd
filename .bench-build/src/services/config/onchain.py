"""On-chain venue configuration (`onchain.toml`): Aave modes, gas units, DEX costs."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

import msgspec

from services.errors import ConfigError


class AaveMode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Risk parameters of an Aave v3 mode."""

    ltv: float
    liquidation_threshold: float
    liquidation_bonus: float


class AaveConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Aave v3 market parameters."""

    close_factor: float
    flash_loan_fee: float
    modes: dict[str, AaveMode]


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
