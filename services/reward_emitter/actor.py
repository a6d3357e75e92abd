"""The reward emitter.

Inputs: `MarketSnapshot` (Aave indices for weETH supplied as collateral),
`PositionSnapshot` (the final ledger of each step: the weETH held).
Outputs: a `SeasonalReward` per drop on its payout step, crediting the wallet with
`average eETH held over the drop's window * per-eETH figure` tokens (eETH = weETH units
x the weETH/ETH rate of the hour; the average weETH units are kept in the event too),
inside its `PhaseDone(settle)` marker, sent every step. Estimated season airdrops are
booked to `seasonal_rewards_estimated`, published drops to `seasonal_rewards`. The P&L
values the tokens at their Uniswap price.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.pnl import SEASONAL_REWARDS, SEASONAL_REWARDS_ESTIMATED
from schemas.triggers import PositionDelta, SeasonalReward, Trigger
from services.config.params import StakingParams
from services.config.run import RunConfig
from services.market_data.plan import lst_symbol
from services.reward_emitter.schedule import Drop, load_drops
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import WALLET, atoken, cash, lst_key

LST_RATE = "lst:weETH/ETH"
"""The weETH/ETH exchange rate: eETH per weETH unit."""


def run_drops(config: RunConfig) -> list[Drop]:
    """The drops a run pays: weETH modes only, payout inside the run's window."""
    params = config.typed_params()
    if not isinstance(params, StakingParams) or lst_symbol(params) != "weETH":
        return []
    end = config.start_ns + config.steps * config.step_ns
    return [
        d
        for d in load_drops(config.data.path, params.seasonal_drop_estimate)
        if config.start_ns < d.payout_ns < end
    ]


class RewardEmitter(LedgerFollower):
    """Credits EtherFi reward drops to weETH holders."""

    name = "reward_emitter"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.drops = run_drops(ctx.config)
        self.eeth_hours = [0.0] * len(self.drops)
        self.unit_hours = [0.0] * len(self.drops)
        self.paid = [False] * len(self.drops)

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Accumulate the last hour's holdings; pay the drops due."""
        if not self.follow(event) or not isinstance(event, MarketSnapshot):
            return []
        paid: list[Trigger] = []
        if self.previous is not None and self.drops:
            units = self._weeth(self.previous)
            eeth = units * self.previous.indices[LST_RATE] if units else 0.0
            hour = self.previous.ts
            for i, drop in enumerate(self.drops):
                if drop.start_ns <= hour < drop.end_ns:
                    self.eeth_hours[i] += eeth
                    self.unit_hours[i] += units
            for i, drop in enumerate(self.drops):
                if not self.paid[i] and drop.payout_ns <= event.ts:
                    self.paid[i] = True
                    paid.append(self._pay(event, drop, self.eeth_hours[i], self.unit_hours[i]))
        return [self.settled_phase(event.step, paid)]

    def _weeth(self, market: MarketSnapshot) -> float:
        held = self.ledger.get(lst_key("weETH"), 0.0)
        supplied = self.ledger.get(atoken("weETH"), 0.0)
        if supplied:
            held += supplied * market.indices["aave:weETH:liquidity_index"]
        return held

    def _pay(
        self, market: MarketSnapshot, drop: Drop, eeth_hours: float, unit_hours: float
    ) -> SeasonalReward:
        hours = (drop.end_ns - drop.start_ns) / 3_600_000_000_000
        average = eeth_hours / hours
        figures = drop.figures(market.prices.get(f"uniswap:{drop.token}/WETH"))
        rate = min(figures.values())
        amount = average * rate
        self.log.info(
            "reward_drop",
            step=market.step,
            drop=drop.drop,
            token=drop.token,
            eligible_eeth=average,
            amount=amount,
            estimated=drop.estimated,
        )
        event = self.make(
            SeasonalReward,
            market.step,
            deltas=[PositionDelta(cash(WALLET, drop.token), amount)] if amount else [],
            drop=drop.drop,
            token=drop.token,
            amount=amount,
            eligible_balance=average,
            rate=rate,
            cause=SEASONAL_REWARDS_ESTIMATED if drop.estimated else SEASONAL_REWARDS,
            eligible_units=unit_hours / hours,
            estimated=drop.estimated,
            figures=figures,
        )
        return event
