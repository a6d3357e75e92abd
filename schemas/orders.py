"""Topic `carry.orders`: orders from the strategy manager, one at a time.

The strategy sends one order, waits for the ledger snapshot that reflects it (the
"tight loop"), then sends the next or `OrdersDone`. Every order names the ledger
version it was computed from (`based_on`); the venue executes it against that version.
"""

from __future__ import annotations

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import ORDERS

TOPIC = ORDERS

ACTIONS = ("entry_full", "entry_partial", "exit_full", "exit_partial", "sell_dust")
"""The five standard strategy actions."""


class OrderBase(Event, frozen=True, kw_only=True):
    """Fields common to every order.

    Attributes:
        order_id: unique within the run (`<step>/<n>`).
        action: one of `ACTIONS`.
        venue: the venue that must execute it.
        based_on: ledger version the order was computed from.
    """

    order_id: str
    action: str
    venue: str
    based_on: int


class SpotOrder(OrderBase, frozen=True, kw_only=True, tag="spot_order"):
    """Market order on a CEX spot book, settled against the fund wallet."""

    symbol: str
    side: str
    quantity: float


class PerpOrder(OrderBase, frozen=True, kw_only=True, tag="perp_order"):
    """Market order on a USDT-margined perpetual; `quantity` in base units."""

    symbol: str
    side: str
    quantity: float


class TransferOrder(OrderBase, frozen=True, kw_only=True, tag="transfer_order"):
    """Move `amount` of `asset` between accounts (`wallet` or a venue name)."""

    asset: str
    from_account: str
    to_account: str
    amount: float


class LendingOrder(OrderBase, frozen=True, kw_only=True, tag="lending_order"):
    """An Aave operation: `supply`, `withdraw`, `borrow` or `repay` of `amount` `asset`."""

    operation: str
    asset: str
    amount: float


class OrdersDone(Event, frozen=True, kw_only=True, tag="orders_done"):
    """The strategy has no more orders this step; `based_on` is the last version it saw."""

    based_on: int


Order = SpotOrder | PerpOrder | TransferOrder | LendingOrder
OrderTopicEvent = SpotOrder | PerpOrder | TransferOrder | LendingOrder | OrdersDone
codec: Codec[OrderTopicEvent] = Codec(OrderTopicEvent)
