"""Venue tables (fees, slippage buckets, margin tiers, price sources) from `venues.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

import msgspec

from services.errors import ConfigError


class VenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One venue.

    Attributes:
        spot_taker_fee: spot taker fee, fraction of notional.
        perp_taker_fee: perp taker fee, fraction of notional.
        slippage_buckets: `[notional, bps]` pairs, increasing notional.
        spot_series: symbol -> series name of the spot price.
        perp_series: symbol -> series name marking the perp (may be a proxy).
        funding_series: symbol -> series name of the funding rates.
        maintenance_tiers: symbol -> `[max_notional, maintenance_rate]` tiers.
    """

    spot_taker_fee: float
    perp_taker_fee: float
    slippage_buckets: list[tuple[float, float]]
    spot_series: dict[str, str]
    perp_series: dict[str, str]
    funding_series: dict[str, str]
    maintenance_tiers: dict[str, list[tuple[float, float]]]


@cache
def load_venues() -> dict[str, VenueConfig]:
    """Read and validate the packaged venue tables."""
    text = resources.files("services.config").joinpath("venues.toml").read_text()
    try:
        return msgspec.convert(tomllib.loads(text), dict[str, VenueConfig])
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as e:
        raise ConfigError(f"venues.toml is invalid: {e}", "restore the packaged file") from e
