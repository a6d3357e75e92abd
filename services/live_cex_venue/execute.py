"""Carry's orders on real venues: spot and perp trades, transfers between accounts and
venues, each turned into the deltas of a `VenueExecution`.

An order goes out with a client order id derived from Carry's order id. If the outcome
of a send is unknown (a timeout, a dropped connection, a rate limit), the order is
looked up by that id before anything is resent, so it is never doubled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from schemas.market import MarketSnapshot
from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from schemas.pnl import TRADING_FEES, TRANSFER
from schemas.triggers import Cost, PositionDelta
from services.adapters.cex import CexAdapter, OrderState
from services.adapters.errors import RETRYABLE, TRANSIENT, VenueError
from services.cex_venue.orders import execution_fields
from services.config.live import LiveConfig
from services.valuation.keys import WALLET, cash, perp

DUST = 0.01
"""Leftovers (USDT) of a spot trade on a unified account too small to move back."""
FILL_POLLS = 20
DEPOSIT_POLLS = 60
FUNDING_HEADROOM = 1.02
"""Spot buys on a unified account move this much more than the estimated cost from the
wallet account first, and return what is left after the fill."""


@dataclass
class Outcome:
    """What an order did: the `VenueExecution` fields, or why it was refused."""

    fields: dict[str, Any] | None = None
    rejection: str = ""
    venues: list[str] = field(default_factory=list)
    """Venues whose balances changed (refreshed after the order)."""


async def submit(
    adapter: CexAdapter,
    kind: str,
    symbol: str,
    side: str,
    amount: float,
    client_id: str,
    reduce_only: bool,
    live: LiveConfig,
    log: Any,
) -> OrderState:
    """Send an order and return its final state; resolve unknown outcomes by client id."""
    for attempt in range(1, live.retries + 1):
        try:
            await adapter.create(kind, symbol, side, amount, client_id, reduce_only)
        except VenueError as e:
            if e.kind not in TRANSIENT:
                raise
            log.warning(
                "order_outcome_unknown",
                venue=adapter.venue,
                client_id=client_id,
                attempt=attempt,
                error=e.message,
            )
            state = await adapter.lookup(kind, symbol, client_id)
            if state is not None:
                log.info(
                    "order_found_after_unknown_outcome", venue=adapter.venue, client_id=client_id
                )
                return await _final(adapter, kind, symbol, state)
            await anyio.sleep(live.backoff_s * 2 ** (attempt - 1))
            continue
        state = await adapter.lookup(kind, symbol, client_id)
        if state is None:
            raise VenueError(RETRYABLE, adapter.venue, f"order {client_id} accepted but not found")
        return await _final(adapter, kind, symbol, state)
    raise VenueError(
        RETRYABLE,
        adapter.venue,
        f"outcome of order {client_id} unknown after {live.retries} attempts",
    )


async def _final(adapter: CexAdapter, kind: str, symbol: str, state: OrderState) -> OrderState:
    polls = 0
    while state.status == "open" and polls < FILL_POLLS:
        await anyio.sleep(0.05 * 2 ** min(polls, 6))
        found = await adapter.lookup(kind, symbol, state.client_id)
        state = found or state
        polls += 1
    if state.status == "open":
        await adapter.cancel(kind, symbol, state.client_id)
        state = await adapter.lookup(kind, symbol, state.client_id) or state
    return state


async def spot(
    order: SpotOrder,
    adapter: CexAdapter,
    market: MarketSnapshot,
    wallet: str,
    client_id: str,
    live: LiveConfig,
    log: Any,
) -> Outcome:
    """A spot market order, settled against Carry's wallet (the same venue's wallet account)."""
    if order.venue != wallet:
        return Outcome(
            rejection=(
                f"spot trades settle against the wallet, which is on {wallet}, not {order.venue}"
            )
        )
    caps = adapter.caps
    base = order.symbol.removesuffix("USDT")
    reference = market.prices[f"{order.venue}:spot:{order.symbol}"]
    buy = order.side == "buy"
    moved = 0.0
    if caps.spot_account != caps.wallet_account and buy:
        moved = min(order.quantity * reference * FUNDING_HEADROOM, await _held(adapter, "USDT"))
        await adapter.transfer("USDT", moved, caps.wallet_account, caps.spot_account)
    state = await submit(
        adapter, "spot", order.symbol, order.side, order.quantity, client_id, False, live, log
    )
    fees = await adapter.fees("spot", order.symbol, state) if state.filled else []
    fee_usdt = sum(f.amount for f in fees if f.asset == "USDT")
    fee_base = sum(f.amount for f in fees if f.asset == base)
    notional = state.filled * state.average
    if caps.spot_account != caps.wallet_account:
        back = moved - notional - fee_usdt if buy else notional - fee_usdt
        if back > DUST:
            try:  # the fill stands even if the return fails: the next refresh shows it
                await adapter.transfer("USDT", back, caps.spot_account, caps.wallet_account)
            except VenueError as e:
                log.error(
                    "spot_funds_not_returned", venue=order.venue, amount=back, error=e.message
                )
    if not state.filled:
        return Outcome(
            rejection=f"order {client_id} ended {state.status} without a fill", venues=[order.venue]
        )
    usdt, held = cash(WALLET, "USDT"), cash(order.venue, base)
    if buy:
        deltas = [
            PositionDelta(usdt, -(notional + fee_usdt)),
            PositionDelta(held, state.filled - fee_base),
        ]
    else:
        deltas = [
            PositionDelta(held, -(state.filled + fee_base)),
            PositionDelta(usdt, notional - fee_usdt),
        ]
    costs = [Cost(TRADING_FEES, f.asset, f.amount) for f in fees if f.amount]
    return Outcome(
        execution_fields(
            order,
            "spot_trade",
            order.symbol,
            deltas,
            state.average,
            reference,
            costs,
            order.side,
            state.filled,
        ),
        venues=[order.venue],
    )


async def perp_trade(
    order: PerpOrder,
    adapter: CexAdapter,
    market: MarketSnapshot,
    ledger: dict[str, float],
    client_id: str,
    live: LiveConfig,
    log: Any,
) -> Outcome:
    """A perp market order (reduce-only when it shrinks the position)."""
    key = perp(order.venue, order.symbol)
    size = ledger.get(key, 0.0)
    buy = order.side == "buy"
    reduce_only = size != 0.0 and (size < 0) == buy and order.quantity <= abs(size) * (1 + 1e-9)
    reference = market.prices[f"{order.venue}:perp:{order.symbol}"]
    state = await submit(
        adapter, "perp", order.symbol, order.side, order.quantity, client_id, reduce_only, live, log
    )
    if not state.filled:
        return Outcome(
            rejection=f"order {client_id} ended {state.status} without a fill", venues=[order.venue]
        )
    fees = await adapter.fees("perp", order.symbol, state)
    fee = sum(f.amount for f in fees if f.asset == "USDT")
    slip = state.filled * (state.average - reference) * (1.0 if buy else -1.0)
    signed = state.filled if buy else -state.filled
    deltas = [PositionDelta(key, signed), PositionDelta(cash(order.venue, "USDT"), -(fee + slip))]
    costs = [Cost(TRADING_FEES, "USDT", fee)] if fee else []
    return Outcome(
        execution_fields(
            order,
            "perp_trade",
            order.symbol,
            deltas,
            state.average,
            reference,
            costs,
            order.side,
            state.filled,
        ),
        venues=[order.venue],
    )


async def transfer(
    order: TransferOrder, adapters: dict[str, CexAdapter], wallet: str, log: Any
) -> Outcome:
    """Move funds between the wallet and venue margin accounts (across venues by a
    withdrawal to the destination's deposit address, waiting for the deposit)."""
    src = (
        (wallet, adapters[wallet].caps.wallet_account)
        if order.from_account == WALLET
        else (order.from_account, adapters[order.from_account].caps.margin_account)
    )
    dst = (
        (wallet, adapters[wallet].caps.wallet_account)
        if order.to_account == WALLET
        else (order.to_account, adapters[order.to_account].caps.margin_account)
    )
    asset, amount = order.asset, order.amount
    a, b = adapters[src[0]], adapters[dst[0]]
    if src[0] == dst[0]:
        if src[1] != dst[1]:
            await a.transfer(asset, amount, src[1], dst[1])
    else:
        if src[1] != a.caps.wallet_account:
            await a.transfer(asset, amount, src[1], a.caps.wallet_account)
        address = await b.deposit_address(asset)
        before = await _held(b, asset)
        await a.withdraw(asset, amount, address)
        await _deposit(b, asset, before + amount, log)
        if dst[1] != b.caps.wallet_account:
            await b.transfer(asset, amount, b.caps.wallet_account, dst[1])
    deltas = [
        PositionDelta(cash(order.from_account, asset), -amount),
        PositionDelta(cash(order.to_account, asset), amount),
    ]
    return Outcome(
        execution_fields(order, "transfer", asset, deltas, 0.0, 0.0, [], "", amount, TRANSFER),
        venues=sorted({src[0], dst[0]}),
    )


async def _held(adapter: CexAdapter, asset: str) -> float:
    raw = await adapter.balance(dict(adapter.caps.wallet_balance))
    return float((raw.get("total") or {}).get(asset) or 0.0)


async def _deposit(adapter: CexAdapter, asset: str, target: float, log: Any) -> None:
    for poll in range(DEPOSIT_POLLS):
        if await _held(adapter, asset) >= target - 1e-6 * max(1.0, target):
            return
        log.info("waiting_for_deposit", venue=adapter.venue, asset=asset, poll=poll)
        await anyio.sleep(min(0.1 * 2**poll, 30.0))
    raise VenueError(RETRYABLE, adapter.venue, f"deposit of {asset} did not arrive")
