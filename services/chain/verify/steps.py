"""One action on both sides: the chain's transaction and the venue's order, their
verdicts compared, and a liquidation's outcome compared in full."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.market import MarketSnapshot
from services.aave_venue.liquidation import Liquidation
from services.chain.market import MAX_UINT, AaveMarket
from services.chain.rpc import Chain, Reverted
from services.chain.verify.actions import Action
from services.chain.verify.carry_side import CarryAccount
from services.chain.verify.compare import Comparison
from services.chain.verify.observe import Observation, resolution

LENDING = ("supply", "withdraw", "borrow", "repay")


@dataclass
class Driver:
    """Executes actions on the chain (at its own clock) and in Carry's venue.

    Attributes:
        chain: the node.
        market: the deployed market.
        carry: Carry's account.
        comparison: where verdicts and liquidation outcomes are compared.
        user: the verified account.
        liquidator: the account that liquidates.
        treasury: the market's treasury.
        now: the timestamp of the next transaction.
    """

    chain: Chain
    market: AaveMarket
    carry: CarryAccount
    comparison: Comparison
    user: str
    liquidator: str
    treasury: str
    now: int
    refused: int = 0
    liquidations: int = 0
    switched_on: int = 0

    def tx(self, send: Callable[[], object]) -> str | None:
        """Send a transaction mined at `now`; its revert reason, if it reverts."""
        self.chain.set_next_timestamp(self.now)
        try:
            send()
        except Reverted as e:
            return e.reason
        return None

    def fund(self, symbol: str, amount: int) -> None:
        """Mint `amount` to the user, on both sides."""
        reverted = self.tx(lambda: self.market.mint(self.user, symbol, amount))
        if reverted:
            raise Reverted(f"mint {symbol}", reverted)
        self.carry.fund(symbol, amount / 10 ** self.market.decimals[symbol])

    def act(
        self, action: Action, before: Observation, market: MarketSnapshot, where: str
    ) -> list[str]:
        """Run `action`; the reserves whose state it updated on the chain."""
        if action.kind == "jump":
            self.now += action.amount
            self.chain.mine(self.now)
            return []
        if action.kind == "price":
            for s, units in action.prices.items():
                self.market.set_price(s, units)
            return []
        if action.kind == "emode":
            chain = self.tx(lambda: self.market.set_emode(self.user, action.amount))
            carry = self.carry.set_emode(action.amount != 0, market)
            return self._verdict(where, carry, chain, [])
        if action.kind == "liquidate":
            return self._liquidate(action, market, where)
        return self._lending(action, before, market, where)

    def _verdict(
        self, where: str, carry: str | None, chain: str | None, touched: list[str]
    ) -> list[str]:
        self.comparison.verdict(where, carry, chain)
        if chain is not None:
            self.refused += 1
            return []
        return touched

    def _lending(
        self, action: Action, before: Observation, market: MarketSnapshot, where: str
    ) -> list[str]:
        s, amount, h = action.symbol, action.amount, before.holdings
        unit = 10 ** self.market.decimals[s]
        # Top the wallet up well above what the action takes, so that it never runs
        # down to a rounding remainder.
        need = h.owed[s] if action.kind == "repay" and amount == MAX_UINT else amount
        if action.kind in ("supply", "repay") and h.wallet[s] < 2 * need:
            self.fund(s, 2 * need - h.wallet[s])
        # "All" is what a strategy would ask for: the balance Carry's ledger holds.
        if amount == MAX_UINT:
            scaled_a, scaled_d = self.carry.scaled(s)
            if action.kind == "withdraw":
                size = scaled_a * market.indices[f"aave:{s}:liquidity_index"]
            else:
                size = scaled_d * market.indices[f"aave:{s}:borrow_index"]
        else:
            size = amount / unit
        send = getattr(self.market, action.kind)
        chain = self.tx(lambda: send(self.user, s, amount))
        carry = self.carry.lending(action.kind, s, size, market)
        if action.kind == "supply" and chain is None:
            self._keep_collateral(s)
        return self._verdict(where, carry, chain, [s])

    def _keep_collateral(self, symbol: str) -> None:
        """Carry counts every supplied reserve as collateral. Aave switches a reserve off
        as collateral when a liquidation seizes all of it; if rounding left one unit of
        it, a later supply is not a first supply and does not switch it back on. The
        account does, as Carry's live adapter does."""
        if not self.market.collateral_enabled(self.user, symbol):
            self.switched_on += 1
            reverted = self.tx(lambda: self.market.use_as_collateral(self.user, symbol))
            if reverted:
                raise Reverted(f"use {symbol} as collateral", reverted)

    def _liquidate(self, action: Action, market: MarketSnapshot, where: str) -> list[str]:
        debt, coll, m = action.symbol, action.collateral, self.market
        wallet_before = m.holdings(self.liquidator).wallet
        fee_call = m.atokens[coll].functions.balanceOf(self.treasury)
        treasury_before = int(self.chain.call(fee_call))
        chain = self.tx(lambda: m.liquidate(self.liquidator, self.user, coll, debt, action.amount))
        cover = (
            float("inf") if action.amount == MAX_UINT else action.amount / 10 ** m.decimals[debt]
        )
        carry = self.carry.liquidate(debt, coll, cover, market)
        refusal = carry if isinstance(carry, str) else None
        touched = self._verdict(where, refusal, chain, sorted({debt, coll}))
        if chain is None and isinstance(carry, Liquidation):
            self.liquidations += 1
            wallet_after = m.holdings(self.liquidator).wallet
            treasury_after = int(self.chain.call(fee_call))
            du, cu = 10 ** m.decimals[debt], 10 ** m.decimals[coll]
            prices = {k: m.price(k) for k in (debt, coll)}
            d_res = resolution(debt, m.decimals[debt], prices)
            c_res = resolution(coll, m.decimals[coll], prices)
            c = self.comparison
            if debt == coll:
                net = (wallet_after[coll] - wallet_before[coll]) / cu
                carry_net = carry.to_liquidator - carry.repaid
                c.figure(where, "liquidator net", carry_net, net, part_of=carry.seized, unit=c_res)
            else:
                got = (wallet_after[coll] - wallet_before[coll]) / cu
                paid = (wallet_before[debt] - wallet_after[debt]) / du
                c.figure(where, "liquidation repaid", carry.repaid, paid, unit=d_res)
                c.figure(where, "liquidator received", carry.to_liquidator, got, unit=c_res)
            fee = (treasury_after - treasury_before) / cu
            c.figure(
                where, "protocol fee", carry.protocol_fee, fee, part_of=carry.seized, unit=c_res
            )
        return touched
