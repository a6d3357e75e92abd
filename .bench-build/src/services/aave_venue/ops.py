"""Aave operations: supply, withdraw, borrow, repay and the atomic flash-loan loop.

Each returns the fields of the `VenueExecution` or a `Rejection` with the reason.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from schemas.market import MarketSnapshot
from schemas.orders import FlashLoopOrder, LendingOrder
from schemas.pnl import SLIPPAGE, TRADING_FEES, TRANSFER
from schemas.triggers import Cost, PositionDelta
from services.config.onchain import AaveMode
from services.onchain.aave import RESERVES, Account, account, oracle_usd
from services.onchain.costs import Costs
from services.valuation.keys import WALLET, atoken, cash, debt, lst_key
from services.valuation.valuer import LSTS

TOLERANCE = 1e-9


class Rejection(NamedTuple):
    """Why an order was refused."""

    reason: str


def holding_key(reserve: str) -> str:
    """Where the wallet holds `reserve` outside Aave."""
    if reserve in LSTS:
        return lst_key(reserve)
    return cash(WALLET, "ETH" if reserve == "WETH" else reserve)


def _short(amount: float, available: float) -> bool:
    return amount > available + TOLERANCE * max(1.0, abs(amount))


class AaveOps:
    """Executes Aave orders against a ledger.

    Args:
        mode: the account's Aave mode (e-mode or standard).
        costs: gas and DEX costs.
        close_factor: share of the debt one liquidation may repay.
        flash_fee: flash-loan fee, fraction of the loan.
    """

    def __init__(self, mode: AaveMode, costs: Costs, close_factor: float, flash_fee: float) -> None:
        self.mode = mode
        self.costs = costs
        self.close_factor = close_factor
        self.flash_fee = flash_fee

    def lending(
        self, order: LendingOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        """Supply, withdraw, borrow or repay."""
        op, reserve, x = order.operation, order.asset, order.amount
        if reserve not in RESERVES or f"aave:{reserve}:liquidity_index" not in market.indices:
            return Rejection(f"no Aave reserve data for {reserve}")
        if x <= 0:
            return Rejection(f"amount {x} not positive")
        wallet = holding_key(reserve)
        liq = market.indices[f"aave:{reserve}:liquidity_index"]
        bor = market.indices[f"aave:{reserve}:borrow_index"]
        if op == "supply":
            if _short(x, ledger.get(wallet, 0.0)):
                return Rejection(f"{wallet} {ledger.get(wallet, 0.0):.6f} < {x}")
            deltas = [PositionDelta(wallet, -x), PositionDelta(atoken(reserve), x / liq)]
        elif op == "withdraw":
            held = ledger.get(atoken(reserve), 0.0) * liq
            if _short(x, held):
                return Rejection(f"supplied {reserve} worth {held:.6f} < {x}")
            deltas = [PositionDelta(atoken(reserve), -x / liq), PositionDelta(wallet, x)]
        elif op == "borrow":
            deltas = [PositionDelta(debt(reserve), x / bor), PositionDelta(wallet, x)]
        elif op == "repay":
            owed = ledger.get(debt(reserve), 0.0) * bor
            x = min(x, owed)
            if x <= 0 or _short(x, ledger.get(wallet, 0.0)):
                return Rejection(
                    f"cannot repay {order.amount} {reserve}: owed {owed:.6f}, "
                    f"wallet {ledger.get(wallet, 0.0):.6f}"
                )
            deltas = [PositionDelta(wallet, -x), PositionDelta(debt(reserve), -x / bor)]
        else:
            return Rejection(f"operation {op!r} is not an Aave operation")
        if op in ("withdraw", "borrow"):
            refused = self._ltv_check(ledger, deltas, market, f"{op} of {x} {reserve}")
            if refused:
                return refused
        return self._fields(order, op, reserve, x, deltas, market, op, TRANSFER, [], ledger)

    def flash_loop(
        self, order: FlashLoopOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        """Enter, delever or unwind the leverage loop: one atomic order, one gas charge.

        Collateral is valued in ETH at the LST's oracle rate, debt in WETH; staking mints
        at the oracle rate, a sale gets the LST's market rate less the DEX cost.
        """
        lst, ltv = order.lst, order.target_ltv
        rate = market.indices[f"lst:{lst}/ETH"]
        liq = market.indices[f"aave:{lst}:liquidity_index"]
        bor = market.indices["aave:WETH:borrow_index"]
        wallet_eth = cash(WALLET, "ETH")
        coll_scaled = ledger.get(atoken(lst), 0.0)
        debt_scaled = ledger.get(debt("WETH"), 0.0)
        coll_eth = coll_scaled * liq * rate
        owed = debt_scaled * bor
        if order.direction == "enter":
            equity = order.amount
            if equity < 0 or not 0 < ltv < 1:
                return Rejection(f"loop needs equity >= 0 and 0 < LTV < 1, was {equity}, {ltv}")
            if _short(equity, ledger.get(wallet_eth, 0.0)):
                return Rejection(f"wallet ETH {ledger.get(wallet_eth, 0.0):.6f} < {equity}")
            loan = (ltv * (coll_eth + equity) - owed) / (1.0 - ltv * (1 + self.flash_fee))
            if loan <= 0 and equity <= 0:
                return Rejection(
                    f"LTV {owed / coll_eth if coll_eth else 0:.4f} is already "
                    f"at or above the target {ltv}"
                )
            # Above the target, new equity is staked and supplied without borrowing.
            loan = max(loan, 0.0)
            deltas = [
                PositionDelta(wallet_eth, -equity),
                PositionDelta(atoken(lst), (equity + loan) / rate / liq),
                PositionDelta(debt("WETH"), loan * (1 + self.flash_fee) / bor),
            ]
            refused = self._ltv_check(ledger, deltas, market, f"loop to LTV {ltv}")
            if refused:
                return refused
            return self._fields(
                order,
                "flash_loop_enter",
                lst,
                equity + loan,
                deltas,
                market,
                "flash_loop",
                TRANSFER,
                [],
                ledger,
            )
        sale_rate = market.pegs.get(f"{lst}/ETH", rate)
        if order.direction == "exit":
            fraction = order.amount
            if not 0 < fraction <= 1:
                return Rejection(f"unwind fraction must be in (0, 1], was {fraction}")
            sold, repaid = coll_scaled * fraction * liq, owed * fraction
        elif order.direction == "delever":
            if not owed or not 0 <= ltv < owed / coll_eth:
                return Rejection(
                    f"delever target {ltv} is not below the LTV "
                    f"{owed / coll_eth if coll_eth else 0:.4f}"
                )
            # Sell s LST units (net k ETH each) to repay s*k of debt: solve
            # owed - s*k = ltv * (coll_eth - s*rate) for s.
            net = sale_rate * (1 - self._dex_bps(lst, owed, market) / 1e4) / (1 + self.flash_fee)
            sold = (owed - ltv * coll_eth) / (net - ltv * rate)
            repaid = min(owed, sold * net)
        else:
            return Rejection(f"loop direction {order.direction!r} is not enter/delever/exit")
        if sold > coll_scaled * liq * (1 + TOLERANCE):
            return Rejection(f"the loop holds {coll_scaled * liq:.6f} {lst}, cannot sell {sold}")
        gross = sold * sale_rate
        fee = gross * self._dex_bps(lst, gross, market) / 1e4
        left = gross - fee - repaid * (1 + self.flash_fee)
        if left < -TOLERANCE * max(1.0, gross):
            return Rejection(
                f"selling {sold:.6f} {lst} at market leaves {left:.6f} ETH: "
                "it does not cover the debt it must repay"
            )
        deltas = [
            PositionDelta(atoken(lst), -min(sold / liq, coll_scaled)),
            PositionDelta(debt("WETH"), -min(repaid / bor, debt_scaled)),
        ]
        if left > 0:
            deltas.append(PositionDelta(wallet_eth, left))
        fee_share = fee * self.costs.valuer.asset_price("ETH", market)
        costs = [Cost(TRADING_FEES, self.costs.share, fee_share)] if fee else []
        return self._fields(
            order,
            f"flash_loop_{order.direction}",
            lst,
            sold,
            deltas,
            market,
            "flash_loop",
            SLIPPAGE,
            costs,
            ledger,
        )

    def _dex_bps(self, lst: str, eth: float, market: MarketSnapshot) -> float:
        return self.costs.dex_bps(f"ETH/{lst}", self.costs.usd("ETH", eth, market))

    def _ltv_check(
        self,
        ledger: dict[str, float],
        deltas: list[PositionDelta],
        market: MarketSnapshot,
        what: str,
    ) -> Rejection | None:
        after = dict(ledger)
        for d in deltas:
            after[d.key] = after.get(d.key, 0.0) + d.amount
        acct = account(after, market)
        limit = acct.collateral_usd * self.mode.ltv
        if acct.debt_usd > limit * (1 + TOLERANCE):
            ltv = acct.ltv() or 0.0
            return Rejection(f"{what} would leave LTV {ltv:.4f} above the limit {self.mode.ltv}")
        return None

    def liquidation(
        self, ledger: dict[str, float], market: MarketSnapshot
    ) -> tuple[list[PositionDelta], Account] | None:
        """Deltas of one liquidation call if HF < 1: up to `close_factor` of the largest
        debt repaid, the largest collateral seized at its value times (1 + bonus)."""
        acct = account(ledger, market)
        hf = acct.health_factor(self.mode)
        if hf is None or hf >= 1.0 or not acct.collateral:
            return None
        owed = max(acct.debts, key=lambda p: p.usd)
        coll = max(acct.collateral, key=lambda p: p.usd)
        repay_usd = owed.usd * self.close_factor
        seize_usd = min(repay_usd * (1 + self.mode.liquidation_bonus), coll.usd)
        repay_usd = seize_usd / (1 + self.mode.liquidation_bonus)
        repay_units = repay_usd / oracle_usd(owed.reserve, market)
        seize_units = seize_usd / oracle_usd(coll.reserve, market)
        deltas = [
            PositionDelta(
                owed.key, -repay_units / market.indices[f"aave:{owed.reserve}:borrow_index"]
            ),
            PositionDelta(
                coll.key, -seize_units / market.indices[f"aave:{coll.reserve}:liquidity_index"]
            ),
        ]
        return deltas, acct

    def _fields(
        self,
        order: LendingOrder | FlashLoopOrder,
        operation: str,
        instrument: str,
        quantity: float,
        deltas: list[PositionDelta],
        market: MarketSnapshot,
        gas_op: str,
        cause: str,
        costs: list[Cost],
        ledger: dict[str, float],
    ) -> dict[str, Any] | Rejection:
        paid = self.costs.pay_gas(gas_op, market, ledger, deltas, costs)
        if isinstance(paid, str):
            return Rejection(paid)
        deltas, costs = paid
        return {
            "deltas": deltas,
            "order_id": order.order_id,
            "action": order.action,
            "venue": order.venue,
            "operation": operation,
            "instrument": instrument,
            "quantity": quantity,
            "costs": costs,
            "cause": cause,
        }
