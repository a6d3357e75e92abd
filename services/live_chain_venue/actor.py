"""The live on-chain venue actor: an Aave v3 market and a wallet through web3.py.

Inputs: `MarketSnapshot`, `PositionSnapshot` (the ledger), Aave orders (`LendingOrder`,
`FlashLoopOrder`), `PnLReport` (the daily loss limit) and the operator's halts.
Outputs (triggers topic), per step: a `PositionRefresh` of the wallet's tokens, LSTs and
Aave positions read from the chain (the health factor the contracts compute is logged
next to Carry's own), then `PhaseDone(settle)`; per order (with `--trade`), the signed
transaction's `VenueExecution` (the chain's deltas, the gas paid) or an `OrderRejected`
(refused before sending, reverted with its reason, dropped or replaced), then a refresh.
Paper runs read the chain only for the opening balances; Carry's Aave venue fills.
Invariants: no transaction while trading is halted or above the limits; a nonce the
chain does not expect stops trading (never a second execution).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import anyio

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import pnl as pnl_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import FlashLoopOrder, LendingOrder
from schemas.triggers import SETTLE, OrderRejected, PhaseDone, PositionRefresh, VenueExecution
from services.aave_venue.ops import AaveOps, Rejection
from services.config.onchain import load_onchain
from services.errors import ChainError
from services.live.limits import TradingGate
from services.live.venue import LiveVenueActor
from services.live.venues_file import CHAIN_PREFIXES
from services.onchain.aave import AaveRisk, account
from services.position_monitor.actor import CAPITAL
from services.runtime.actor import ActorContext, Out
from services.valuation.keys import AAVE, WALLET, atoken, declared_keys, parse_key

if TYPE_CHECKING:
    from services.chain.positions import ChainPositions
    from services.chain.venue import ChainVenue

Order = LendingOrder | FlashLoopOrder


def eth_value(symbol: str, market: MarketSnapshot) -> float:
    """ETH per token of `symbol` (WETH 1, an LST its rate, USDT by the oracle)."""
    if symbol == "WETH":
        return 1.0
    if symbol == "USDT":
        return market.oracle.get("USDT/USD", 1.0) / market.oracle["WETH/USD"]
    return market.indices[f"lst:{symbol}/ETH"]


def order_notional(order: Order, market: MarketSnapshot, ledger: dict[str, float]) -> float:
    """What an Aave order moves, USD (the per-order limit's unit): the asset supplied,
    withdrawn, borrowed or repaid; for the loop, the collateral it supplies (enter: the
    equity over 1 - target LTV) or may sell (delever and exit: the collateral held,
    times the fraction unwound)."""
    usd = market.oracle["WETH/USD"]
    if isinstance(order, LendingOrder):
        return order.amount * eth_value(order.asset, market) * usd
    if order.direction == "enter":
        return order.amount / max(1.0 - order.target_ltv, 1e-9) * usd
    held = ledger.get(atoken(order.lst), 0.0) * market.indices[f"aave:{order.lst}:liquidity_index"]
    share = order.amount if order.direction == "exit" else 1.0
    return held * min(share, 1.0) * eth_value(order.lst, market) * usd


class LiveChainVenue(LiveVenueActor[Order]):
    """Aave v3 and a wallet on an EVM chain."""

    name = "live_chain_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC, pnl_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        live = ctx.config.live
        if live is None:
            raise ValueError("the live chain venue needs a live run")
        self.live = live
        self.venue = next(n for n, v in sorted(live.venues.items()) if v.kind == "chain")
        self.trading = live.trade
        owned = (*CHAIN_PREFIXES, *((WALLET,) if live.wallet == self.venue else ()))
        self.keys = sorted(k for k in declared_keys(ctx.config) if parse_key(k).venue in owned)
        emode = bool(getattr(ctx.config.typed_params(), "emode", False))
        self.risk = AaveRisk(load_onchain().aave, emode)
        self.gate = TradingGate(live)
        self.opened = False
        self._chain: ChainVenue | None = None

    def chain(self) -> ChainVenue:
        """The connection (made on first use, in a worker thread; web3 is imported then,
        not by every process that knows this actor kind)."""
        from services.live_chain_venue.connect import connect

        if self._chain is None:
            self._chain = connect(self.venue, self.live, AaveOps(self.risk, None), self.keys)
        return self._chain

    def _takes(self, event: Event) -> Order | None:
        if isinstance(event, LendingOrder | FlashLoopOrder) and event.venue == AAVE:
            return event
        return None

    # -- settlement ---------------------------------------------------------------
    def _settle(self, market: MarketSnapshot) -> None:
        opening = not self.opened and self.live.seed_from_venues
        report = self.trading or opening
        ledger = dict(self.ledger)

        async def read() -> ChainPositions | None:
            if not report:
                return None
            return await anyio.to_thread.run_sync(lambda: self.chain().read())

        def publish(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            out: list[Out] = []
            if result is not None:
                result = cast("ChainPositions", result)
                self._log_health(market, ledger, result)
                cause = CAPITAL if opening else "reconciliation"
                out.append(self._refresh(market.step, result, cause))
            self.opened = True
            out.append((triggers_topic.TOPIC, self.make(PhaseDone, market.step, phase=SETTLE)))
            return out

        self.jobs.start(read, publish)

    def _log_health(
        self, market: MarketSnapshot, ledger: dict[str, float], chain: ChainPositions
    ) -> None:
        try:
            carry = account(ledger, market).health_factor(self.risk)
        except KeyError:
            carry = None
        self.log.info(
            "chain_account",
            block=chain.block,
            health_factor_chain=chain.health_factor,
            health_factor_carry=carry,
        )

    def _refresh(self, step: int, chain: ChainPositions, cause: str) -> Out:
        balances = {k: chain.balances.get(k, 0.0) for k in self.keys}
        event = self.make(PositionRefresh, step, venue=self.venue, balances=balances, cause=cause)
        return (triggers_topic.TOPIC, event)

    # -- orders -------------------------------------------------------------------
    def _order(self, order: Order) -> list[Out]:
        market = self.check_version(order)
        refusal = self.gate.refusal(order_notional(order, market, self.ledger))
        if refusal:
            self.log.warning("order_refused", order_id=order.order_id, reason=refusal)
            return [self._rejected(order, refusal)]
        ledger = dict(self.ledger)

        def run() -> tuple[dict[str, Any] | Rejection, ChainPositions | None]:
            from services.chain.signer import NonceGap

            venue = self.chain()
            try:
                result = venue.execute(order, ledger, market)
            except NonceGap as e:
                self.gate.halt("nonce", e.message, final=True)
                return Rejection(f"trading halted: {e.message}"), None
            except ChainError as e:
                return Rejection(e.message), None
            return result, venue.read()

        async def work() -> tuple[dict[str, Any] | Rejection, ChainPositions | None]:
            return await anyio.to_thread.run_sync(run)

        def publish(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            outcome, after = cast(
                "tuple[dict[str, Any] | Rejection, ChainPositions | None]", result
            )
            if isinstance(outcome, Rejection):
                self.log.warning("order_rejected", order_id=order.order_id, reason=outcome.reason)
                out = [self._rejected(order, outcome.reason)]
            else:
                out = [(triggers_topic.TOPIC, self.make(VenueExecution, order.step, **outcome))]
            if after is not None:
                out.append(self._refresh(order.step, after, "reconciliation"))
            return out

        self.jobs.start(work, publish)
        return []

    def _rejected(self, order: Order, reason: str) -> Out:
        event = self.make(
            OrderRejected,
            order.step,
            order_id=order.order_id,
            venue=order.venue,
            reason=reason[:500],
        )
        return (triggers_topic.TOPIC, event)
