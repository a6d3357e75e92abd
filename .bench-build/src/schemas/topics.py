"""Topic names: the only place they are spelled out."""

from __future__ import annotations

CONTROL = "carry.control"
"""Run lifecycle: `RunStarted` (with the run's config), `RunFinished`, `RunStopped`."""
CLOCK = "carry.clock"
"""`Tick`: one per step, sent when the previous step's chain is complete."""
MARKET = "carry.market"
"""`MarketSnapshot` per step."""
TRIGGERS = "carry.positions.triggers"
"""The five position triggers, the phase markers of their producers and order rejections."""
ORDERS = "carry.orders"
"""Orders from the strategy manager, and `OrdersDone` closing a step's trading."""
POSITIONS = "carry.positions.snapshots"
"""Ledger snapshots from the position monitor."""
EXPOSURE = "carry.exposure"
"""`ExposureReport` per ledger version."""
RISK = "carry.risk"
"""`RiskAssessment` per ledger version."""
PNL = "carry.pnl"
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

DEADLETTER = "carry.deadletter"
"""Transport only (not an event topic): records a consumer could not decode, set aside
raw with headers naming their origin topic, partition and offset."""
CLOSED = "carry.closed"
"""Transport only: the ids (record keys) of runs that are complete everywhere; a
consumer that starts or recovers skips their records instead of rebuilding their state."""
