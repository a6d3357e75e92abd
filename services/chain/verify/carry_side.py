"""Carry's side of the verification: the Aave venue's accounting for one account, fed
the chain's prices and indices as a `MarketSnapshot` (as a backtest feeds it recorded
ones)."""

from __future__ import annotations

from schemas.market import MarketSnapshot
from schemas.orders import LendingOrder
from services.aave_venue.liquidation import Liquidation
from services.aave_venue.ops import AaveOps, Rejection, holding_key
from services.chain.feed import market_fields
from services.chain.market import ReserveState
from services.config.onchain import AaveConfig
from services.onchain.aave import AaveRisk, Account, account, emode_refusal
from services.valuation.keys import AAVE, atoken, debt

RAY = 10**27
RUN_ID = "verify-aave"


def snapshot(
    step: int, ts_s: int, reserves: dict[str, ReserveState], prices: dict[str, int]
) -> MarketSnapshot:
    """The chain's market as Carry's market data would publish it."""
    indices, oracle = market_fields(reserves, prices)
    return MarketSnapshot(
        run_id=RUN_ID,
        step=step,
        ts=ts_s * 10**9,
        source="chain",
        event_id=f"chain/{step}/0",
        prices={},
        indices=indices,
        oracle=oracle,
    )


class CarryAccount:
    """One Aave account as Carry's venue keeps it: a ledger of scaled balances.

    Args:
        config: the market's parameters.
    """

    def __init__(self, config: AaveConfig) -> None:
        self.risk = AaveRisk(config, emode=False)
        self.ops = AaveOps(self.risk, None)
        self.ledger: dict[str, float] = {}

    def _apply(self, deltas: list[tuple[str, float]]) -> None:
        for key, amount in deltas:
            self.ledger[key] = self.ledger.get(key, 0.0) + amount

    def fund(self, symbol: str, amount: float) -> None:
        """Tokens arrive in the wallet from outside."""
        self._apply([(holding_key(symbol), amount)])

    def lending(self, op: str, symbol: str, amount: float, market: MarketSnapshot) -> str | None:
        """Run a supply, withdraw, borrow or repay through the venue; the refusal, if any."""
        order = LendingOrder(
            run_id=RUN_ID,
            step=market.step,
            ts=market.ts,
            source="verify",
            event_id=f"verify/{market.step}/0",
            order_id=f"{market.step}/0",
            action="entry_partial",
            venue=AAVE,
            based_on=market.step,
            operation=op,
            asset=symbol,
            amount=amount,
        )
        result = self.ops.lending(order, self.ledger, market)
        if isinstance(result, Rejection):
            return result.reason
        self._apply([(d.key, d.amount) for d in result["deltas"]])
        return None

    def set_emode(self, on: bool, market: MarketSnapshot) -> str | None:
        """Enter or leave e-mode; the refusal, if any."""
        target = self.risk.with_emode(on)
        refused = emode_refusal(self.account(market), self.risk, target)
        if refused is None:
            self.risk = target
            self.ops = AaveOps(target, None)
        return refused

    def liquidate(
        self, debt_reserve: str, collateral: str, amount: float, market: MarketSnapshot
    ) -> Liquidation | str:
        """A liquidation call on the account; the refusal if Carry finds none."""
        found = self.ops.liquidation(self.ledger, market, debt_reserve, collateral, amount)
        if found is None:
            hf = self.account(market).health_factor(self.risk)
            return f"no liquidation (health factor {hf})"
        liq, _ = found
        self._apply([(d.key, d.amount) for d in liq.deltas])
        return liq

    def account(self, market: MarketSnapshot) -> Account:
        """The account valued at `market`."""
        return account(self.ledger, market)

    def scaled(self, symbol: str) -> tuple[float, float]:
        """Scaled supply and scaled debt of `symbol`."""
        return self.ledger.get(atoken(symbol), 0.0), self.ledger.get(debt(symbol), 0.0)

    def wallet(self, symbol: str) -> float:
        """The wallet's `symbol`."""
        return self.ledger.get(holding_key(symbol), 0.0)
