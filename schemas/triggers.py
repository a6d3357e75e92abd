"""Topic `carry.positions.triggers`: the only things that change positions.

Five triggers, one tagged union (`Trigger`): `InitialCapital`, `VenueExecution`
(the `venue_manager` trigger), `PositionRefresh`, `SeasonalReward` and `M2MSettlement`.
Each carries its position deltas and the cause the P&L attribution needs: the value
change of a trigger's deltas (at the step's prices) is split into its declared `costs`
and a residual booked to `cause`. The topic also carries the producers' phase markers
(a settlement producer's triggers of a step travel inside its marker) and order
rejections.
"""

from __future__ import annotations

from typing import Final

import msgspec

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import TRIGGERS

TOPIC: Final = TRIGGERS

SETTLE: Final = "settle"
"""Phase marker name: a producer has emitted all its settlement-phase triggers for a step."""


class PositionDelta(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """Change of one position: `key` is `venue:position_type:symbol`, `amount` native units."""

    key: str
    amount: float


class Cost(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """An explicit cost inside a trigger: `amount` of `asset`, booked to `component`."""

    component: str
    asset: str
    amount: float


class InitialCapital(Event, frozen=True, kw_only=True, tag="initial_capital"):
    """Seed the wallet with the run's capital, once, at step 0 (an external flow, not P&L)."""

    deltas: list[PositionDelta]
    asset: str
    amount: float
    cause: str = "capital"


class VenueExecution(Event, frozen=True, kw_only=True, tag="venue_manager"):
    """The deltas of an executed order or a venue-initiated liquidation.

    Attributes:
        order_id: the order executed, or `liq/<venue>/<step>` for a liquidation.
        action: the strategy action the order served (`entry_full`, ...) or `liquidation`.
        venue: where it executed.
        operation: `spot_trade`, `perp_trade`, `transfer`, `supply`, `withdraw`,
            `borrow`, `repay`, `liquidation`, ...
        instrument: the traded instrument or asset.
        side: `buy`/`sell` for trades, empty otherwise.
        quantity: base quantity (trades) or amount (transfers, lending).
        price: fill price in the quote asset (0 when not a trade).
        reference_price: the step's mark/close the fill is compared with.
        costs: explicit costs (taker fee, gas).
        cause: attribution component of the residual value change
            (`slippage` for trades, `liquidation_loss`, `transfer`).
    """

    deltas: list[PositionDelta]
    order_id: str
    action: str
    venue: str
    operation: str
    instrument: str
    side: str = ""
    quantity: float = 0.0
    price: float = 0.0
    reference_price: float = 0.0
    costs: list[Cost] = msgspec.field(default_factory=list)
    cause: str = "slippage"


class PositionRefresh(Event, frozen=True, kw_only=True, tag="position_refresh"):
    """Authoritative balances read from a venue; the ledger reconciles to them.

    `deltas` is empty when the producer does not know the ledger: the position monitor
    computes the differences, reports those above tolerance and applies them.
    """

    venue: str
    balances: dict[str, float]
    deltas: list[PositionDelta] = msgspec.field(default_factory=list)
    cause: str = "reconciliation"


class SeasonalReward(Event, frozen=True, kw_only=True, tag="seasonal_rewards"):
    """A reward drop credited on its payout date.

    Attributes:
        drop: identifier of the drop (e.g. `eigen/2024-10-12`).
        token: reward token (EIGEN, ETHFI).
        amount: tokens credited.
        eligible_balance: time-weighted balance the drop was computed on (eETH: LST
            units x the LST/ETH rate, averaged over the drop's window).
        rate: tokens per unit of eligible balance.
        cause: `seasonal_rewards` (a published drop) or `seasonal_rewards_estimated`
            (an airdrop estimated from published ranges).
        eligible_units: the LST units (weETH) held, averaged over the same window.
        estimated: the figure is an estimate, not a published amount.
        figures: for an estimate, the per-eETH figure each source implies (by source
            column); `rate` is the lowest of them.
    """

    deltas: list[PositionDelta]
    drop: str
    token: str
    amount: float
    eligible_balance: float
    rate: float
    cause: str = "seasonal_rewards"
    eligible_units: float = 0.0
    estimated: bool = False
    figures: dict[str, float] = msgspec.field(default_factory=dict)


class M2MSettlement(Event, frozen=True, kw_only=True, tag="m2m_pnl"):
    """A perp settlement posted to the venue's USDT balance.

    Attributes:
        venue: the perp venue.
        instrument: the perp instrument key (`binance:perp:BTCUSDT`).
        kind: `funding` or `variation_margin`.
        size: signed position size settled on (negative = short).
        mark: the mark price used (the perp's close at settlement).
        reference: the previous mark (variation margin) or 0.
        rate: the funding rate for the period (0 for variation margin).
        amount: USDT posted (positive = received).
    """

    deltas: list[PositionDelta]
    venue: str
    instrument: str
    kind: str
    size: float
    mark: float
    reference: float = 0.0
    rate: float = 0.0
    amount: float = 0.0
    cause: str = "funding"


class OrderRejected(Event, frozen=True, kw_only=True, tag="order_rejected"):
    """A venue refused an order; nothing changed."""

    order_id: str
    venue: str
    reason: str


Trigger = InitialCapital | VenueExecution | PositionRefresh | SeasonalReward | M2MSettlement


class PhaseDone(Event, frozen=True, kw_only=True, tag="phase_done"):
    """Marker: `source` has emitted everything it will emit for `phase` of this step.

    `triggers` are that phase's triggers, in the producer's order, when the producer
    sends them inside its marker (one event per producer and step); a producer may also
    publish them one by one before it.
    """

    phase: str
    triggers: list[Trigger] = msgspec.field(default_factory=list)


TriggerTopicEvent = (
    InitialCapital
    | VenueExecution
    | PositionRefresh
    | SeasonalReward
    | M2MSettlement
    | PhaseDone
    | OrderRejected
)
TRIGGER_TYPES: tuple[type, ...] = (
    InitialCapital,
    VenueExecution,
    PositionRefresh,
    SeasonalReward,
    M2MSettlement,
)
codec: Codec[TriggerTopicEvent] = Codec(TriggerTopicEvent)
trigger_codec: Codec[Trigger] = Codec(Trigger)
