"""Aave orders executed on chain: Carry's venue plans them (its own checks and amounts),
a signed transaction executes them, and the execution reports what the chain did.

An order's deltas are the difference of the wallet's positions read before its
transaction and at the block that mined it (so they are the chain's amounts, gas
included, and a later change to the wallet is left to the next refresh), its cost the
gas paid.
A transaction that would revert is refused before it is sent; one that reverts, is
dropped or is replaced is a rejection naming why.
"""

from __future__ import annotations

from typing import Any

from schemas.market import MarketSnapshot
from schemas.orders import FlashLoopOrder, LendingOrder
from schemas.pnl import GAS, TRANSFER
from schemas.triggers import Cost, PositionDelta
from services.aave_venue.ops import AaveOps, Rejection
from services.chain.market import VARIABLE, AaveMarket
from services.chain.positions import ChainPositions, read_positions
from services.chain.signer import Signer, TxOutcome
from services.valuation.keys import atoken, debt

MOVED = 1e-15
"""Smallest relative change of a balance reported as a delta (float noise below it)."""
SALE_SLACK = 1 + 1e-6


def units(amount: float, decimals: int) -> int:
    """A float amount in the token's smallest units (rounded down)."""
    return int(amount * 10**decimals)


class ChainVenue:
    """One wallet on one Aave v3 market.

    Args:
        market: the market (reads and contract handles).
        signer: the wallet's signer (None: read-only).
        ops: Carry's Aave venue, to check and size orders.
        loop: the wallet's `CarryLoop` contract handle (None: no loop orders).
    """

    def __init__(
        self, market: AaveMarket, signer: Signer | None, ops: AaveOps, loop: Any = None
    ) -> None:
        self.market = market
        self.signer = signer
        self.ops = ops
        self.loop = loop
        self.wallet = signer.address if signer else ""

    def read(self, wallet: str | None = None, block: int | None = None) -> ChainPositions:
        """The wallet's positions now (or as of `block`)."""
        return read_positions(self.market, wallet or self.wallet, block)

    def execute(
        self, order: LendingOrder | FlashLoopOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        """Execute `order`: the `VenueExecution` fields, or a `Rejection`."""
        if self.signer is None:
            return Rejection("the on-chain venue has no signing key: it only reads")
        if isinstance(order, LendingOrder):
            plan = self.ops.lending(order, ledger, market)
        else:
            if self.loop is None:
                return Rejection("no loop contract for this wallet")
            plan = self.ops.flash_loop(order, ledger, market)
        if isinstance(plan, Rejection):
            return plan
        before = self.read()
        outcome = self._send(order, plan, market, before)
        if not outcome.ok:
            return Rejection(f"transaction {outcome.status}: {outcome.reason}".rstrip(": "))
        after = self.read(block=outcome.block)
        deltas = [
            PositionDelta(k, after.balances[k] - before.balances.get(k, 0.0))
            for k in sorted(after.balances)
            if abs(after.balances[k] - before.balances.get(k, 0.0))
            > MOVED * max(1.0, abs(after.balances[k]))
        ]
        return {
            **{k: v for k, v in plan.items() if k not in ("deltas", "costs")},
            "deltas": deltas,
            "costs": [Cost(GAS, "ETH", outcome.gas_eth)],
            "cause": plan.get("cause", TRANSFER),
        }

    def _send(
        self,
        order: LendingOrder | FlashLoopOrder,
        plan: dict[str, Any],
        market: MarketSnapshot,
        before: ChainPositions,
    ) -> TxOutcome:
        assert self.signer is not None
        m, pool = self.market, self.market.pool.functions
        if isinstance(order, LendingOrder):
            s, dec = order.asset, m.decimals[order.asset]
            asset, amount = m.addresses.tokens[s], units(float(plan["quantity"]), dec)
            fn = {
                "supply": lambda: pool.supply(asset, amount, self.wallet, 0),
                "withdraw": lambda: pool.withdraw(asset, amount, self.wallet),
                "borrow": lambda: pool.borrow(asset, amount, VARIABLE, 0, self.wallet),
                "repay": lambda: pool.repay(asset, amount, VARIABLE, self.wallet),
            }[order.operation]()
            return self.signer.send(fn, f"{order.operation} {s}")
        lst = order.lst
        deltas = {d.key: d.amount for d in plan["deltas"]}
        liq = market.indices[f"aave:{lst}:liquidity_index"]
        bor = market.indices["aave:WETH:borrow_index"]
        loop = self.loop.functions
        if order.direction == "enter":
            equity = units(order.amount, 18)
            short = equity - m.holdings(self.wallet).wallet["WETH"]
            wrapped = None
            if short > 0:  # the wallet's ETH is native and wrapped: wrap what the loop needs
                weth9 = m.chain.contract(m.addresses.tokens["WETH"], m.artifacts.get("WETH9").abi)
                wrapped = self.signer.send(weth9.functions.deposit(), "wrap ETH", value=short)
                if not wrapped.ok:
                    return wrapped
            loan = units(deltas.get(debt("WETH"), 0.0) * bor / (1 + self.ops.flash_fee), 18)
            done = self.signer.send(loop.enter(m.addresses.tokens[lst], equity, loan), "loop enter")
            if wrapped is None:
                return done
            return done._replace(
                gas_used=done.gas_used + wrapped.gas_used, gas_eth=done.gas_eth + wrapped.gas_eth
            )
        held = before.balances.get(atoken(lst), 0.0)
        whole = order.direction == "exit" and order.amount >= 1.0
        sold = held * liq if whole else -deltas.get(atoken(lst), 0.0) * liq
        repay = -deltas.get(debt("WETH"), 0.0) * bor
        supplied = m.holdings(self.wallet).supplied[lst]
        # A sale is rounded down in integers: sell a hair more than the plan so that it
        # covers the flash loan (the rest comes back to the wallet as WETH).
        collateral = supplied if whole else min(units(sold * SALE_SLACK, m.decimals[lst]), supplied)
        # Closing the loop borrows a little more than the debt: interest accrues until the
        # block, and Aave repays no more than is owed (the rest comes back to the wallet).
        repay_units = units(repay * (1.0001 if whole else 1.0), 18)
        fn = loop.unwind(m.addresses.tokens[lst], m.addresses.atokens[lst], repay_units, collateral)
        return self.signer.send(fn, f"loop {order.direction}")
