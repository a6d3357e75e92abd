"""`--inject 'VENUE[.ACCOUNT]:ASSET=AMOUNT@TIME'`: an out-of-band balance change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.config.modes import parse_time
from services.errors import ConfigError

_SPEC = re.compile(
    r"^(?P<venue>[a-z]+)(?:\.(?P<account>spot|margin|funding))?:(?P<asset>[A-Za-z0-9]+)="
    r"(?P<amount>[-+]?[0-9.eE+-]+)@(?P<time>\S+)$"
)


@dataclass(frozen=True)
class Injection:
    """One parsed injection (ACCOUNT default: the perp margin account for USDT, else spot)."""

    venue: str
    account: str
    asset: str
    amount: float
    ns: int


def parse_injection(spec: str) -> Injection:
    """Parse one `--inject` value; raise `ConfigError` naming the problem."""
    m = _SPEC.match(spec.strip())
    if m is None:
        raise ConfigError(
            f"--inject {spec!r} is not VENUE[.ACCOUNT]:ASSET=AMOUNT@TIME",
            "for example --inject 'binance:USDT=-1000@2024-10-03T00:00:00Z' "
            "(ACCOUNT: spot, margin or funding)",
        )
    try:
        amount = float(m["amount"])
    except ValueError:
        raise ConfigError(
            f"--inject {spec!r}: amount {m['amount']!r} is not a number", "write e.g. -1000"
        ) from None
    asset = m["asset"].upper()
    account = m["account"] or ("margin" if asset == "USDT" else "spot")
    return Injection(m["venue"], account, asset, amount, parse_time("--inject time", m["time"]))
