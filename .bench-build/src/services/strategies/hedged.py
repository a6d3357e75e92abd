"""USDT-hedged staking: stake part of the equity as ETH, short ETH perps against it.

Targets at equity E: staked value `s*E` (s = `stake_allocation`), perp margin
`(1-s)*E*h_v` per venue, shorts summing to the staked ETH delta (LST, or the loop's
collateral minus debt). Growing the stake: withdraw excess margin, buy ETH on the spot
venue, move it on chain, stake it (or fold it into the loop). Shrinking it: sell LST
(or unwind part of the loop), move the ETH to the spot venue, sell it, top up margin.
Then resize the shorts to the staked delta.
"""

from __future__ import annotations

from functools import partial

from schemas.orders import (
    FlashLoopOrder,
    SpotOrder,
    StakeOrder,
    SwapOrder,
    TransferOrder,
)
from schemas.risk import REBALANCE, REDUCE, RiskAssessment
from services.config.onchain import load_onchain
from services.config.params import HedgedLeveragedParams, HedgedParams, leverage_limits
from services.config.venues import VenueConfig
from services.market_data.plan import lst_symbol
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.strategies.dust import dust_intents
from services.strategies.hedging import margin_in, margin_out, resize_short, spot_unit_cost
from services.valuation.keys import (
    AAVE,
    LST_VENUES,
    REWARD_TOKENS,
    WALLET,
    atoken,
    cash,
    debt,
    lst_key,
)

MIN_NOTIONAL = 25.0
"""Smallest trade, transfer or stake (USDT) worth sending."""
DEX = "uniswap"


class HedgedStrategy:
    """Market-neutral staking with USDT-margined ETH shorts."""

    def __init__(self, params: HedgedParams, venues: dict[str, VenueConfig]) -> None:
        self.p = params
        self.lst = lst_symbol(params)
        self.leveraged = isinstance(params, HedgedLeveragedParams)
        self.target_ltv = 0.0
        if isinstance(params, HedgedLeveragedParams):
            mode = load_onchain().aave.modes["emode" if params.emode else "standard"]
            self.target_ltv = leverage_limits(params, mode.ltv)[0]
        self.venues = sorted(params.hedge_allocation)
        self.spot = venues[params.spot_venue]
        self.reserve = params.gas_reserve if params.costs else 0.0
        self.dust = (
            dust_intents(REWARD_TOKENS[self.lst], "USDT", params.dust_gas_multiple)
            if params.sell_dust
            else []
        )
        self.stake_keys = (
            (atoken(self.lst), debt("WETH")) if self.leveraged else (lst_key(self.lst),)
        )
        self.entered = False
        self.anchor = 0.0

    def initial_capital(self) -> tuple[str, float]:
        """USDT capital."""
        return "USDT", self.p.capital

    # -- the book -------------------------------------------------------------------
    def _staked_value(self, book: Book) -> float:
        return sum(book.value(k) for k in self.stake_keys)

    def _staked_delta(self, book: Book) -> float:
        return sum(book.delta(k) for k in self.stake_keys)

    def _stake_target(self, book: Book) -> float:
        return self.p.stake_allocation * (book.equity - self.reserve)

    def _margin_target(self, book: Book, venue: str) -> float:
        free = book.equity - self.reserve
        return (1.0 - self.p.stake_allocation) * free * self.p.hedge_allocation[venue]

    def _spot_cost(self, notional: float) -> float:
        return spot_unit_cost(self.spot, notional, self.p.costs)

    def _margin_spare(self, book: Book) -> float:
        return book.amount(cash(WALLET, "USDT")) - self.reserve - self._buy_need(book)

    # -- planning -------------------------------------------------------------------
    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter at the first step; rebalance on an equity move or a risk breach."""
        intents: list[Intent] = list(self.dust)
        if not self.entered:
            self.entered = True
            self.anchor = book.equity
            return Plan("entry_full", self._grow())
        moved = abs(book.equity / self.anchor - 1.0) > self.p.position_deviation_threshold
        if self.p.rebalance and (moved or risk.required_action in (REDUCE, REBALANCE)):
            self.anchor = book.equity
            if self._staked_value(book) > self._stake_target(book) + MIN_NOTIONAL:
                return Plan("exit_partial", intents + self._shrink())
            return Plan("entry_partial", intents + self._grow())
        return Plan("sell_dust", intents) if intents else None

    def _grow(self) -> list[Intent]:
        return [
            *self._margins_out(),
            *self._margins_in(),
            self._buy_eth,
            self._eth_to_chain,
            self._stake,
            *self._shorts(),
        ]

    def _shrink(self) -> list[Intent]:
        return [
            self._unstake,
            self._eth_to_cex,
            self._sell_eth,
            *self._margins_in(),
            *self._shorts(),
        ]

    def _margins_out(self) -> list[Intent]:
        return [
            margin_out(v, partial(self._margin_target, venue=v), MIN_NOTIONAL) for v in self.venues
        ]

    def _margins_in(self) -> list[Intent]:
        return [
            margin_in(v, partial(self._margin_target, venue=v), self._margin_spare, MIN_NOTIONAL)
            for v in self.venues
        ]

    def _shorts(self) -> list[Intent]:
        return [
            resize_short(v, "ETH", self.p.hedge_allocation[v], self._staked_delta, MIN_NOTIONAL)
            for v in self.venues
        ]

    # -- intents --------------------------------------------------------------------
    def _buy_need(self, book: Book) -> float:
        missing = self._stake_target(book) - self._staked_value(book)
        return max(missing, 0.0) * (1.0 + self._spot_cost(missing))

    def _buy_eth(self, book: Book) -> OrderSpec | None:
        price = book.asset_price("ETH")
        missing = (self._stake_target(book) - self._staked_value(book)) / price
        cash_left = book.amount(cash(WALLET, "USDT")) - self.reserve
        affordable = cash_left / (price * (1.0 + self._spot_cost(cash_left)))
        quantity = min(missing, affordable)
        if quantity * price < MIN_NOTIONAL:
            return None
        return OrderSpec(
            SpotOrder, self.p.spot_venue, {"symbol": "ETHUSDT", "side": "buy", "quantity": quantity}
        )

    def _eth_to_chain(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(self.p.spot_venue, "ETH"))
        if amount * book.asset_price("ETH") < MIN_NOTIONAL:
            return None
        return OrderSpec(
            TransferOrder,
            self.p.spot_venue,
            {
                "asset": "ETH",
                "from_account": self.p.spot_venue,
                "to_account": WALLET,
                "amount": amount,
            },
        )

    def _stake(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(WALLET, "ETH"))
        if amount * book.asset_price("ETH") < MIN_NOTIONAL:
            return None
        if self.leveraged:
            return OrderSpec(
                FlashLoopOrder,
                AAVE,
                {
                    "direction": "enter",
                    "lst": self.lst,
                    "amount": amount,
                    "target_ltv": self.target_ltv,
                },
            )
        return OrderSpec(
            StakeOrder,
            LST_VENUES[self.lst],
            {"operation": "stake", "lst": self.lst, "amount": amount},
        )

    def _unstake(self, book: Book) -> OrderSpec | None:
        excess = self._staked_value(book) - self._stake_target(book)
        staked = self._staked_value(book)
        if excess < MIN_NOTIONAL or staked <= 0:
            return None
        if self.leveraged:
            return OrderSpec(
                FlashLoopOrder,
                AAVE,
                {"direction": "exit", "lst": self.lst, "amount": min(excess / staked, 1.0)},
            )
        units = book.amount(lst_key(self.lst)) * min(excess / staked, 1.0)
        return OrderSpec(SwapOrder, DEX, {"sell": self.lst, "buy": "ETH", "amount": units})

    def _eth_to_cex(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(WALLET, "ETH"))
        if amount * book.asset_price("ETH") < MIN_NOTIONAL:
            return None
        return OrderSpec(
            TransferOrder,
            self.p.spot_venue,
            {
                "asset": "ETH",
                "from_account": WALLET,
                "to_account": self.p.spot_venue,
                "amount": amount,
            },
        )

    def _sell_eth(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(self.p.spot_venue, "ETH"))
        if amount * book.asset_price("ETH") < MIN_NOTIONAL:
            return None
        return OrderSpec(
            SpotOrder, self.p.spot_venue, {"symbol": "ETHUSDT", "side": "sell", "quantity": amount}
        )
