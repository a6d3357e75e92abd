"""Topic `carry.risk`: risk checks and the action they require."""

from __future__ import annotations

from typing import Final

import msgspec

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import RISK

TOPIC: Final = RISK

NONE: Final = "none"
REBALANCE: Final = "rebalance"
REDUCE: Final = "reduce"


class VenueMargin(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Perp margin of one venue account (USDT).

    Attributes:
        venue: the venue.
        balance: USDT balance (perp P&L is settled into it every step).
        notional: sum of `|size| * mark` of the venue's perps.
        ratio: `balance / notional` (inf-free: 0 notional is reported as ratio 0 and
            `notional` 0, and is not a breach).
        maintenance: maintenance margin from the venue's tier table.
        initial: initial margin (twice maintenance at each tier's top leverage).
    """

    venue: str
    balance: float
    notional: float
    ratio: float
    maintenance: float
    initial: float


class Breach(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A risk check outside its limit.

    Attributes:
        check: `cex_margin`, `delta`, `aave_ltv`, `health_factor`, `stale_data` (live: a
            quote carried from an earlier reading; `subject` names it).
        level: `report`, `warn`, `rebalance`, `reduce` or `liquidation`.
        subject: the venue or asset concerned.
        value: the measured value.
        threshold: the limit crossed.
    """

    check: str
    level: str
    subject: str
    value: float
    threshold: float


class RiskAssessment(Event, frozen=True, kw_only=True, tag="risk_assessment"):
    """Risk at a ledger version.

    Attributes:
        phase: the snapshot phase assessed.
        version: the ledger version.
        margins: per perp venue with a position or a balance.
        worst_margin_ratio: lowest `ratio` among venues with notional (None if none).
        delta_ratio: `|net delta value| / gross` (0 when gross is 0).
        health_factor: Aave health factor (None without debt).
        ltv: Aave loan-to-value (None without debt).
        breaches: every check outside its limit.
        required_action: `none`, `rebalance` or `reduce`.
    """

    phase: str
    version: int
    margins: list[VenueMargin]
    worst_margin_ratio: float | None
    delta_ratio: float
    breaches: list[Breach]
    required_action: str
    health_factor: float | None = None
    ltv: float | None = None


RiskEvent = RiskAssessment
codec: Codec[RiskEvent] = Codec(RiskEvent)
