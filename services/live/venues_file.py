"""The venues file of `carry live` (TOML) and the live venue kinds.

```toml
wallet = "binance"          # whose wallet account is Carry's wallet (default: the spot venue)
time_source = "system"      # or a venue whose server time drives the clock

[venues.binance]
kind = "cex"                # the venue kind: which actor drives it
exchange = "binance"        # ccxt id
api_url = ""                # optional override (a rehearsal server)
key_env = "BINANCE_API_KEY"
secret_env = "BINANCE_API_SECRET"
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import msgspec

from services.config.live import SYSTEM_TIME, LiveVenue
from services.errors import ConfigError

VENUE_KINDS: dict[str, str] = {"cex": "live_cex_venue", "chain": "live_chain_venue"}
"""Venue kind -> the actor kind that drives venues of that kind in a live run."""

CHAIN_PREFIXES = ("aave_v3", "etherfi", "lido")
"""Position-key prefixes a `chain` venue holds: Aave positions and the LSTs in its wallet."""


class VenuesFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a venues file holds (see the module docstring)."""

    venues: dict[str, LiveVenue]
    wallet: str = ""
    time_source: str = SYSTEM_TIME


def load_venues_file(path: Path) -> VenuesFile:
    """Read and check a venues file; raise `ConfigError` naming the problem."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(
            f"cannot read the venues file {path}: {e.strerror}", "check --venues"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(
            f"the venues file {path} is not valid TOML: {e}", "fix its syntax"
        ) from None
    try:
        parsed = msgspec.convert(raw, VenuesFile)
    except msgspec.ValidationError as e:
        raise ConfigError(
            f"the venues file {path} is invalid: {e}",
            "each [venues.NAME] needs `exchange`; see README (Live trading) for the fields",
        ) from None
    if not parsed.venues:
        raise ConfigError(f"the venues file {path} lists no venue", "add a [venues.NAME] table")
    for name, venue in parsed.venues.items():
        if venue.kind not in VENUE_KINDS:
            raise ConfigError(
                f"venue {name} in {path}: unknown kind {venue.kind!r}",
                f"use one of: {', '.join(sorted(VENUE_KINDS))}",
            )
    if parsed.time_source not in (SYSTEM_TIME, *parsed.venues):
        raise ConfigError(
            f"time_source {parsed.time_source!r} in {path} is neither `system` nor a listed venue",
            "use `system` (real exchanges) or a venue name (a rehearsal server's clock)",
        )
    return parsed
