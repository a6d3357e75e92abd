"""Aave operations: supply, withdraw, borrow, repay and the atomic flash-loan loop.

Each returns the fields of the `VenueExecution` or a `Rejection` with the reason.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from schemas.market import MarketSnapshot
from schemas.orders import FlashLoopOrder, LendingOrder
from schemas.pnl import SLIPPAGE, TRADING_FEES, TRANSFER
from schemas.triggers import Cost, PositionDelta
from services.aave_venue.liquidation import Liquidation, liquidation
from services.onchain.aave import RESERVES, AaveRisk, Account, account
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
        risk: the market's risk parameters and the account's e-mode.
        costs: gas and DEX costs (None: no gas, no DEX cost).
    """

    def __init__(self, risk: AaveRisk, costs: Costs | None) -> None:
        self.risk = risk
        self.costs = costs
        self.flash_fee = risk.config.flash_loan_fee

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
            scaled = ledger.get(atoken(reserve), 0.0)
            held = scaled * liq
            if _short(x, held):
                return Rejection(f"supplied {reserve} worth {held:.6f} < {x}")
            # Withdrawing (within rounding of) everything closes the position exactly.
            whole = x >= held * (1 - TOLERANCE)
            x = held if whole else x
            out = -scaled if whole else -x / liq
            deltas = [PositionDelta(atoken(reserve), out), PositionDelta(wallet, x)]
        elif op == "borrow":
            deltas = [PositionDelta(debt(reserve), x / bor), PositionDelta(wallet, x)]
        elif op == "repay":
            scaled = ledger.get(debt(reserve), 0.0)
            owed = scaled * bor
            whole = x >= owed * (1 - TOLERANCE)
            x = owed if whole else x
            if x <= 0 or _short(x, ledger.get(wallet, 0.0)):
                return Rejection(
                    f"cannot repay {order.amount} {reserve}: owed {owed:.6f}, "
                    f"wallet {ledger.get(wallet, 0.0):.6f}"
                )
            out = -scaled if whole else -x / bor
            deltas = [PositionDelta(wallet, -x), PositionDelta(debt(reserve), out)]
        else:
            return Rejection(f"operation {op!r} is not an Aave operation")
        refused = self._validate(op, reserve, x, ledger, deltas, market)
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
        costs = []
        if fee and self.costs is not None:
            fee_share = fee * self.costs.valuer.asset_price("ETH", market)
            costs = [Cost(TRADING_FEES, self.costs.share, fee_share)]
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
        if self.costs is None:
            return 0.0
        return self.costs.dex_bps(f"ETH/{lst}", self.costs.usd("ETH", eth, market))

    def _validate(
        self,
        op: str,
        reserve: str,
        x: float,
        ledger: dict[str, float],
        deltas: list[PositionDelta],
        market: MarketSnapshot,
    ) -> Rejection | None:
        if op == "borrow":
            if self.risk.emode and not self.risk.config.reserves[reserve].emode:
                return Rejection(
                    f"{reserve} is not in e-mode category {self.risk.config.emode.label!r}: "
                    "an account in e-mode borrows only the category's assets"
                )
            return self._ltv_check(ledger, deltas, market, f"borrow of {x} {reserve}")
        if op == "withdraw":
            return self._hf_check(ledger, deltas, market, f"withdrawal of {x} {reserve}")
        return None

    def _ltv_check(
        self,
        ledger: dict[str, float],
        deltas: list[PositionDelta],
        market: MarketSnapshot,
        what: str,
    ) -> Rejection | None:
        """A borrow: the account's HF above 1 before, its debt within its maximum LTV after."""
        hf = account(ledger, market).health_factor(self.risk)
        if hf is not None and hf <= 1.0:
            return Rejection(f"{what}: health factor {hf:.4f} is not above 1")
        acct = account(_after(ledger, deltas), market)
        max_ltv = acct.max_ltv(self.risk)
        if acct.debt_usd > acct.collateral_usd * max_ltv * (1 + TOLERANCE):
            ltv = acct.ltv() or 0.0
            return Rejection(f"{what} would leave LTV {ltv:.4f} above the limit {max_ltv}")
        return None

    def _hf_check(
        self,
        ledger: dict[str, float],
        deltas: list[PositionDelta],
        market: MarketSnapshot,
        what: str,
    ) -> Rejection | None:
        """A withdrawal: the account's HF at least 1 after (Aave checks no LTV here)."""
        hf = account(_after(ledger, deltas), market).health_factor(self.risk)
        if hf is not None and hf < 1.0 * (1 - TOLERANCE):
            return Rejection(f"{what} would leave health factor {hf:.4f} below 1")
        return None

    def liquidation(
        self,
        ledger: dict[str, float],
        market: MarketSnapshot,
        debt_reserve: str | None = None,
        collateral_reserve: str | None = None,
        debt_to_cover: float = float("inf"),
    ) -> tuple[Liquidation, Account] | None:
        """One liquidation call if HF < 1 (by default on the largest debt and collateral,
        repaying as much as the close factor allows)."""
        return liquidation(
            ledger, market, self.risk, debt_reserve, collateral_reserve, debt_to_cover
        )

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
        if self.costs is not None:
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


def _after(ledger: dict[str, float], deltas: list[PositionDelta]) -> dict[str, float]:
    out = dict(ledger)
    for d in deltas:
        out[d.key] = out.get(d.key, 0.0) + d.amount
    return out
