"""The reward emitter.

Inputs: `MarketSnapshot` (Aave indices for weETH supplied as collateral),
`PositionSnapshot` (the final ledger of each step: the weETH held).
Outputs: a `SeasonalReward` per drop on its payout step, crediting the wallet with
`average weETH held over the drop's window * per-eETH figure` tokens, then its
`PhaseDone(settle)` marker every step. The P&L values the tokens at their Uniswap price.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.triggers import SETTLE, PhaseDone, PositionDelta, SeasonalReward
from services.config.params import StakingParams
from services.config.run import RunConfig
from services.market_data.plan import lst_symbol
from services.reward_emitter.schedule import Drop, load_drops
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import WALLET, atoken, cash, lst_key


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
    topics = (market_topic.TOPIC, positions_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.drops = run_drops(ctx.config)
        self.held_hours = [0.0] * len(self.drops)
        self.paid = [False] * len(self.drops)

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Accumulate the last hour's holdings; pay the drops due."""
        if not self.follow(event) or not isinstance(event, MarketSnapshot):
            return []
        out: list[Out] = []
        if self.previous is not None and self.drops:
            held = self._weeth(self.previous)
            hour = self.previous.ts
            for i, drop in enumerate(self.drops):
                if drop.start_ns <= hour < drop.end_ns:
                    self.held_hours[i] += held
            for i, drop in enumerate(self.drops):
                if not self.paid[i] and drop.payout_ns <= event.ts:
                    self.paid[i] = True
                    out.append(self._pay(event, drop, self.held_hours[i]))
        out.append((triggers_topic.TOPIC, self.make(PhaseDone, event.step, phase=SETTLE)))
        return out

    def _weeth(self, market: MarketSnapshot) -> float:
        held = self.ledger.get(lst_key("weETH"), 0.0)
        supplied = self.ledger.get(atoken("weETH"), 0.0)
        if supplied:
            held += supplied * market.indices["aave:weETH:liquidity_index"]
        return held

    def _pay(self, market: MarketSnapshot, drop: Drop, held_hours: float) -> Out:
        hours = (drop.end_ns - drop.start_ns) / 3_600_000_000_000
        average = held_hours / hours
        amount = average * drop.per_eeth
        self.log.info(
            "reward_drop",
            step=market.step,
            drop=drop.drop,
            token=drop.token,
            eligible=average,
            amount=amount,
        )
        event = self.make(
            SeasonalReward,
            market.step,
            deltas=[PositionDelta(cash(WALLET, drop.token), amount)] if amount else [],
            drop=drop.drop,
            token=drop.token,
            amount=amount,
            eligible_balance=average,
            rate=drop.per_eeth,
        )
        return (triggers_topic.TOPIC, event)
