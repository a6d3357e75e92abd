"""`eth_leveraged`: the flash-loan staking loop on Aave, kept at its target LTV.

Enter with one atomic loop to `target_ltv`. With rebalancing on: delever back to the
target when the health factor falls below `hf_reduce` or the LTV drifts above it by
more than `ltv_drift`; lever up when it drifts below; fold idle ETH (reward sales)
into the loop; sell reward dust.
"""

from __future__ import annotations

from schemas.orders import FlashLoopOrder
from schemas.risk import REBALANCE, REDUCE, RiskAssessment
from services.config.onchain import load_onchain
from services.config.params import LeveragedParams, leverage_limits
from services.market_data.plan import lst_symbol
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.strategies.dust import dust_intents
from services.valuation.keys import AAVE, REWARD_TOKENS, WALLET, atoken, cash, debt

MIN_EQUITY = 1e-3
"""Smallest ETH amount worth folding into the loop."""
LTV_SLACK = 1e-4
"""LTV gap below which levering or delevering is not worth an order."""


def loop_ltv(book: Book, lst: str) -> float:
    """The loop's LTV from the book (values at the oracle rate, as Aave sees them)."""
    collateral = book.value(atoken(lst))
    return -book.value(debt("WETH")) / collateral if collateral > 0 else 0.0


def _needs(book: Book, lst: str, direction: str, target: float) -> bool:
    ltv = loop_ltv(book, lst)
    return ltv > target + LTV_SLACK if direction == "delever" else ltv < target - LTV_SLACK


class LeveragedStrategy:
    """Leveraged staking on Aave, ETH share class."""

    def __init__(self, params: LeveragedParams) -> None:
        self.p = params
        self.lst = lst_symbol(params)
        mode = load_onchain().aave.modes["emode" if params.emode else "standard"]
        self.target, self.max_ltv = leverage_limits(params, mode.ltv)
        self.reserve = params.gas_reserve if params.costs else 0.0
        self.dust = (
            dust_intents(REWARD_TOKENS[self.lst], "ETH", params.dust_gas_multiple)
            if params.sell_dust
            else []
        )
        self.entered = False

    def initial_capital(self) -> tuple[str, float]:
        """ETH capital."""
        return "ETH", self.p.capital

    def _loop(self, direction: str, ltv: float, idle: bool) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            amount = 0.0
            if idle:
                amount = book.amount(cash(WALLET, "ETH")) - self.reserve
                if amount < MIN_EQUITY:
                    return None
            elif not _needs(book, self.lst, direction, ltv):
                return None
            return OrderSpec(
                FlashLoopOrder,
                AAVE,
                {"direction": direction, "lst": self.lst, "amount": amount, "target_ltv": ltv},
            )

        return intent

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter once; then keep the loop at its target (and fold in idle ETH)."""
        if not self.entered:
            self.entered = True
            return Plan("entry_full", [self._loop("enter", self.target, idle=True)])
        intents: list[Intent] = list(self.dust)
        action = "entry_partial"
        if self.p.rebalance:
            ltv = risk.ltv or 0.0
            if risk.required_action == REDUCE or (
                risk.required_action == REBALANCE and ltv > self.target
            ):
                action = "exit_partial"
                intents.append(self._loop("delever", self.target, idle=False))
            elif risk.required_action == REBALANCE and ltv < self.target:
                intents.append(self._loop("enter", self.target, idle=False))
            intents.append(self._loop("enter", self.target, idle=True))
        return Plan(action, intents) if intents else None
