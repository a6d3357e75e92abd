"""Topic `carry.pnl`: balance-based P&L and its attribution, once per step."""

from __future__ import annotations

from typing import Final

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import PNL

TOPIC: Final = PNL

FUNDING: Final = "funding"
LENDING_INTEREST: Final = "lending_interest"
BORROW_COST: Final = "borrow_cost"
STAKING_YIELD: Final = "staking_yield"
SEASONAL_REWARDS: Final = "seasonal_rewards"
SEASONAL_REWARDS_ESTIMATED: Final = "seasonal_rewards_estimated"
SPOT_PRICE: Final = "spot_price"
PERP_PRICE: Final = "perp_price"
TRADING_FEES: Final = "trading_fees"
SLIPPAGE: Final = "slippage"
GAS: Final = "gas"
LIQUIDATION_LOSS: Final = "liquidation_loss"
RECONCILIATION: Final = "reconciliation"
TRANSFER: Final = "transfer"

COMPONENTS: tuple[str, ...] = (
    FUNDING,
    LENDING_INTEREST,
    BORROW_COST,
    STAKING_YIELD,
    SEASONAL_REWARDS,
    SEASONAL_REWARDS_ESTIMATED,
    SPOT_PRICE,
    PERP_PRICE,
    TRADING_FEES,
    SLIPPAGE,
    GAS,
    LIQUIDATION_LOSS,
    RECONCILIATION,
    TRANSFER,
)
"""Every attribution component, in report order."""


class PnLReport(Event, frozen=True, kw_only=True, tag="pnl_report"):
    """P&L at the end of a step, in the share class.

    Attributes:
        share_class: `USDT` or `ETH`.
        equity: balance-based value of all positions.
        equity_usd: the same in USD.
        initial_equity: equity right after the initial capital.
        pnl_total: `equity - initial_equity`.
        attribution: cumulative P&L per component (see `COMPONENTS`).
        step_pnl: change of equity over this step.
        step_attribution: this step's P&L per component (non-zero components only).
        reconciliation_error: `|step_pnl - sum(step_attribution)|` for this step.
    """

    share_class: str
    equity: float
    equity_usd: float
    initial_equity: float
    pnl_total: float
    attribution: dict[str, float]
    step_pnl: float
    step_attribution: dict[str, float]
    reconciliation_error: float


PnLEvent = PnLReport
codec: Codec[PnLEvent] = Codec(PnLEvent)
