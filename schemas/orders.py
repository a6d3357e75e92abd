"""Topic `carry.orders`: orders from the strategy manager, one at a time.

The strategy sends one order, waits for the ledger snapshot that reflects it (the
"tight loop"), then sends the next or `OrdersDone`. Every order names the ledger
version it was computed from (`based_on`); the venue executes it against that version.
"""

from __future__ import annotations

from typing import Final

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import ORDERS

TOPIC: Final = ORDERS

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


class StakeOrder(OrderBase, frozen=True, kw_only=True, tag="stake_order"):
    """A liquid-staking operation on `venue` (`etherfi`, `lido`).

    Attributes:
        operation: `stake` (ETH -> LST at the protocol rate), `unstake` (EtherFi: LST ->
            a withdrawal claimable after the queue) or `claim` (collect matured ETH).
        lst: `weETH` or `wstETH`.
        amount: ETH to stake, or LST to unstake (0 for claim).
    """

    operation: str
    lst: str
    amount: float


class SwapOrder(OrderBase, frozen=True, kw_only=True, tag="swap_order"):
    """A DEX market sale of `amount` `sell` for `buy`, paying the pair's cost bucket and gas."""

    sell: str
    buy: str
    amount: float


class FlashLoopOrder(OrderBase, frozen=True, kw_only=True, tag="flash_loop_order"):
    """An atomic leverage loop on Aave, one gas charge.

    `enter`: flash-borrow WETH, stake `amount` ETH of new equity plus the loan into
    `lst`, supply it, borrow WETH to repay the flash loan: the account ends at
    `target_ltv` (`amount` may be 0 to lever up an existing loop).
    `delever`: flash-borrow WETH, repay debt, withdraw and sell just enough collateral at
    market to repay the flash loan: the account ends at `target_ltv` (0 repays all debt).
    `exit`: unwind the fraction `amount` of both collateral and debt, selling that
    collateral at market; what is left after the debt goes to the wallet as ETH.

    Attributes:
        direction: `enter`, `delever` or `exit`.
        lst: `weETH` or `wstETH`.
        amount: ETH equity added (enter) or fraction unwound (exit).
        target_ltv: loan-to-value the account ends at (enter, delever).
    """

    direction: str
    lst: str
    amount: float
    target_ltv: float = 0.0


class OrdersDone(Event, frozen=True, kw_only=True, tag="orders_done"):
    """The strategy has no more orders this step; `based_on` is the last version it saw."""

    based_on: int


Order = (
    SpotOrder | PerpOrder | TransferOrder | LendingOrder | StakeOrder | SwapOrder | FlashLoopOrder
)
OrderTopicEvent = (
    SpotOrder
    | PerpOrder
    | TransferOrder
    | LendingOrder
    | StakeOrder
    | SwapOrder
    | FlashLoopOrder
    | OrdersDone
)
codec: Codec[OrderTopicEvent] = Codec(OrderTopicEvent)
