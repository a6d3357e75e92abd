"""`eth_staking_only`: stake ETH into weETH or wstETH, hold it, sell reward dust."""

from __future__ import annotations

from schemas.orders import StakeOrder
from schemas.risk import RiskAssessment
from services.config.params import StakingParams
from services.market_data.plan import lst_symbol
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.strategies.dust import dust_intents
from services.valuation.keys import LST_VENUES, REWARD_TOKENS, WALLET, cash

MIN_STAKE = 1e-4
"""Smallest ETH amount worth a staking transaction."""


class StakingStrategy:
    """Stake all ETH beyond the gas reserve; restake what reward sales bring in."""

    def __init__(self, params: StakingParams) -> None:
        self.p = params
        self.lst = lst_symbol(params)
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

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter at the first step; later sell dust and restake idle ETH."""
        if not self.entered:
            self.entered = True
            return Plan("entry_full", [self._stake])
        intents: list[Intent] = list(self.dust)
        if self.p.rebalance:
            intents.append(self._stake)
        return Plan("entry_partial", intents) if intents else None

    def _stake(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(WALLET, "ETH")) - self.reserve
        if amount < MIN_STAKE:
            return None
        return OrderSpec(
            StakeOrder,
            LST_VENUES[self.lst],
            {"operation": "stake", "lst": self.lst, "amount": amount},
        )
