"""Topic names: the only place they are spelled out."""

from __future__ import annotations

from typing import Final

CONTROL: Final = "carry.control"
"""Run lifecycle: `RunStarted` (with the run's config), `RunFinished`, `RunStopped`."""
CLOCK: Final = "carry.clock"
"""`Tick`: one per step, sent when the previous step's chain is complete."""
MARKET: Final = "carry.market"
"""`MarketSnapshot` per step."""
TRIGGERS: Final = "carry.positions.triggers"
"""The five position triggers, the phase markers of their producers and order rejections."""
ORDERS: Final = "carry.orders"
"""Orders from the strategy manager, and `OrdersDone` closing a step's trading."""
POSITIONS: Final = "carry.positions.snapshots"
"""Ledger snapshots from the position monitor."""
EXPOSURE: Final = "carry.exposure"
"""`ExposureReport` per ledger version."""
RISK: Final = "carry.risk"
"""`RiskAssessment` per ledger version."""
PNL: Final = "carry.pnl"
"""`PnLReport` per step: the last link of a step's chain."""

ALL_TOPICS: tuple[str, ...] = (
    CONTROL,
    CLOCK,
    MARKET,
    TRIGGERS,
    ORDERS,
    POSITIONS,
    EXPOSURE,
    RISK,
    PNL,
)

DEADLETTER: Final = "carry.deadletter"
"""Transport only (not an event topic): records a consumer could not decode, set aside
raw with headers naming their origin topic, partition and offset."""
CLOSED: Final = "carry.closed"
"""Transport only: the ids (record keys) of runs that are complete everywhere; a
consumer that starts or recovers skips their records instead of rebuilding their state."""
