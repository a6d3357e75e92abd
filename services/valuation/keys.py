"""Position keys (`venue:position_type:symbol`) and the keys a run may hold."""

from __future__ import annotations

from typing import Final, NamedTuple

from services.config.params import (
    BasisParams,
    DirectionalParams,
    EthLendingParams,
    HedgedLeveragedParams,
    HedgedParams,
    LendingParams,
    LeveragedParams,
    StakingParams,
)
from services.config.run import RunConfig

WALLET: Final = "wallet"
AAVE: Final = "aave_v3"
TYPES = ("BaseToken", "aToken", "debtToken", "LST", "Perp")


class Key(NamedTuple):
    """A parsed position key."""

    venue: str
    kind: str
    symbol: str


_PARSED: dict[str, Key] = {}


def parse_key(key: str) -> Key:
    """Split `venue:position_type:symbol`; raise `ValueError` on anything else (cached)."""
    parsed = _PARSED.get(key)
    if parsed is None:
        parts = key.split(":")
        if len(parts) != 3 or parts[1] not in TYPES or not parts[0] or not parts[2]:
            raise ValueError(
                f"not a position key: {key!r} (want venue:type:symbol, type in {TYPES})"
            )
        parsed = _PARSED[key] = Key(parts[0], parts[1], parts[2])
    return parsed


def cash(venue: str, asset: str) -> str:
    """Key of a base-token balance."""
    return f"{venue}:BaseToken:{asset}"


def perp(venue: str, symbol: str) -> str:
    """Key of a perp position (signed size in base units)."""
    return f"{venue}:Perp:{symbol}"


def atoken(asset: str) -> str:
    """Key of an Aave supply position (scaled balance)."""
    return f"{AAVE}:aToken:a{asset}"


def debt(asset: str) -> str:
    """Key of an Aave variable debt (scaled)."""
    return f"{AAVE}:debtToken:debt{asset}"


def lst_key(lst: str) -> str:
    """Key of a held LST: `etherfi:LST:weETH` or `lido:LST:wstETH`."""
    return f"{LST_VENUES[lst]}:LST:{lst}"


LST_VENUES = {"weETH": "etherfi", "wstETH": "lido"}
REWARD_TOKENS = {"weETH": ("EIGEN", "ETHFI"), "wstETH": ()}


def declared_keys(config: RunConfig) -> frozenset[str]:
    """Every key the run's mode may hold; a delta on any other key is an error."""
    p = config.typed_params()
    keys = {cash(WALLET, config.share_class)}
    if isinstance(p, LendingParams | EthLendingParams):
        keys.add(atoken(p.asset))
    if isinstance(p, BasisParams | HedgedParams):
        asset = p.asset if isinstance(p, BasisParams) else "ETH"
        keys.add(cash(p.spot_venue, asset))
        for venue in p.hedge_allocation:
            keys.add(cash(venue, "USDT"))
            keys.add(perp(venue, f"{asset}USDT"))
    if isinstance(p, DirectionalParams):
        keys |= {cash(WALLET, "USDT"), cash(WALLET, "BTC"), cash(p.venue, "USDT")}
        keys |= {cash(p.venue, "BTC"), perp(p.venue, "BTCUSDT")}
    if isinstance(p, StakingParams):
        lst = {"weeth": "weETH", "wsteth": "wstETH"}[p.lst_type]
        keys |= {cash(WALLET, "ETH"), lst_key(lst)}
        keys |= {cash(WALLET, token) for token in REWARD_TOKENS[lst]}
        if lst == "weETH":
            keys.add(cash("etherfi", "ETH"))
        if isinstance(p, LeveragedParams | HedgedLeveragedParams):
            keys |= {atoken(lst), debt("WETH")}
    return frozenset(keys)
