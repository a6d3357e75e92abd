"""Attribution sums to the balance-based total, for any book and any market move."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.pnl import PnLReport
from schemas.positions import FINAL, PositionSnapshot
from schemas.triggers import (
    Cost,
    InitialCapital,
    M2MSettlement,
    PositionDelta,
    SeasonalReward,
    VenueExecution,
)
from services.pnl_monitor.actor import PnLMonitor
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, run_config

BASIS = run_config("btc_basis")
LENDING = run_config("pure_lending_usdt")
SPOT, PERP = "binance:spot:BTCUSDT", "binance:perp:BTCUSDT"

amounts = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
prices = st.floats(1_000.0, 200_000.0)


def _market(step: int, price: float, index: float, usd: float = 1.0):
    return market(
        step,
        prices={
            SPOT: price,
            PERP: price * 1.001,
            "bybit:perp:BTCUSDT": price,
            "okx:perp:BTCUSDT": price,
        },
        indices={"aave:USDT:liquidity_index": index},
        oracle={"USDT/USD": usd},
    )


def _final(step: int, positions: dict[str, float], applied: list, version: int):
    return PositionSnapshot(
        **envelope(step, "position_monitor", version),
        phase=FINAL,
        version=version,
        positions=positions,
        applied=applied,
    )


def _report(out: list) -> PnLReport:
    (report,) = [e for _, e in out if isinstance(e, PnLReport)]
    return report


@settings(max_examples=200, deadline=None)
@given(
    btc=st.floats(0.0, 50.0),
    usdt=amounts,
    perp=st.floats(-50.0, 50.0),
    p0=prices,
    p1=prices,
    trade_qty=st.floats(0.0, 5.0),
    fee=st.floats(0.0, 500.0),
    funding=st.floats(-1e4, 1e4),
)
def test_basis_attribution_sums_to_the_equity_change(
    btc: float,
    usdt: float,
    perp: float,
    p0: float,
    p1: float,
    trade_qty: float,
    fee: float,
    funding: float,
) -> None:
    monitor = PnLMonitor(context(BASIS))
    box = Mailbox(monitor, dedup=False)
    opening = {
        "binance:BaseToken:BTC": btc,
        "binance:BaseToken:USDT": usdt,
        "binance:Perp:BTCUSDT": perp,
    }
    capital = InitialCapital(
        **envelope(0, "strategy"),
        asset="USDT",
        amount=1.0,
        deltas=[PositionDelta(k, v) for k, v in opening.items()],
    )
    box.deliver("carry.market", _market(0, p0, 1.0))
    first = _report(box.deliver("carry.positions.snapshots", _final(0, opening, [capital], 0)))
    assert first.reconciliation_error <= 1e-9 * max(1.0, abs(first.equity))
    trade = VenueExecution(
        **envelope(1, "cex_venue"),
        order_id="1/0",
        action="entry_partial",
        venue="binance",
        operation="spot_trade",
        instrument="BTCUSDT",
        side="buy",
        quantity=trade_qty,
        deltas=[
            PositionDelta("binance:BaseToken:BTC", trade_qty),
            PositionDelta("wallet:BaseToken:USDT", -(trade_qty * p1 * 1.0004 + fee)),
        ],
        costs=[Cost("trading_fees", "USDT", fee)],
    )
    settlement = M2MSettlement(
        **envelope(1, "funding_settler"),
        venue="binance",
        instrument=PERP,
        kind="funding",
        size=perp,
        mark=p1,
        amount=funding,
        deltas=[PositionDelta("binance:BaseToken:USDT", funding)],
    )
    closing = dict(opening)
    closing["binance:BaseToken:BTC"] += trade_qty
    closing["binance:BaseToken:USDT"] += funding
    closing["wallet:BaseToken:USDT"] = -(trade_qty * p1 * 1.0004 + fee)
    box.deliver("carry.market", _market(1, p1, 1.0))
    report = _report(
        box.deliver("carry.positions.snapshots", _final(1, closing, [trade, settlement], 1))
    )
    scale = max(1.0, abs(report.equity), abs(first.equity), abs(usdt), btc * max(p0, p1))
    assert abs(report.step_pnl - sum(report.step_attribution.values())) <= 1e-9 * scale
    assert report.reconciliation_error <= 1e-9 * scale
    assert report.step_attribution.get("trading_fees", 0.0) == -fee or fee == 0.0
    assert abs(report.step_attribution.get("funding", 0.0) - funding) <= 1e-9 * scale
    assert abs(report.pnl_total - sum(report.attribution.values())) <= 1e-9 * scale


@settings(max_examples=100, deadline=None)
@given(
    scaled=st.floats(1.0, 1e7),
    i0=st.floats(1.0, 1.2),
    growth=st.floats(0.0, 0.01),
    usd=st.floats(0.98, 1.02),
)
def test_lending_interest_is_scaled_balance_times_index_growth(
    scaled: float, i0: float, growth: float, usd: float
) -> None:
    monitor = PnLMonitor(context(LENDING))
    box = Mailbox(monitor, dedup=False)
    positions = {"aave_v3:aToken:aUSDT": scaled}
    capital = InitialCapital(
        **envelope(0, "strategy"),
        asset="USDT",
        amount=scaled * i0,
        deltas=[PositionDelta("aave_v3:aToken:aUSDT", scaled)],
    )
    box.deliver("carry.market", _market(0, 1.0, i0, usd))
    box.deliver("carry.positions.snapshots", _final(0, positions, [capital], 0))
    i1 = i0 * (1 + growth)
    box.deliver("carry.market", _market(1, 1.0, i1, usd))
    report = _report(box.deliver("carry.positions.snapshots", _final(1, positions, [], 1)))
    interest = report.step_attribution.get("lending_interest", 0.0)
    assert abs(interest - scaled * (i1 - i0)) <= 1e-9 * scaled * i1
    assert report.equity_usd == report.equity * usd
    assert report.reconciliation_error <= 1e-9 * scaled * i1


STAKING = run_config("eth_staking_only")


def _staking_market(step: int, rate: float, eigen: float, ethfi: float, eth_usd: float):
    return market(
        step,
        prices={"uniswap:EIGEN/WETH": eigen, "uniswap:ETHFI/WETH": ethfi},
        indices={"lst:weETH/ETH": rate},
        oracle={"WETH/USD": eth_usd, "USDT/USD": 1.0},
    )


@settings(max_examples=150, deadline=None)
@given(
    weeth=st.floats(0.0, 1e4),
    r0=st.floats(1.0, 1.1),
    growth=st.floats(0.0, 0.001),
    eigen=st.floats(1e-5, 1e-2),
    ethfi=st.floats(1e-5, 1e-2),
    published=st.floats(0.0, 1e4),
    estimated=st.floats(0.0, 1e4),
)
def test_published_and_estimated_rewards_are_separate_parts_of_the_total(
    weeth: float,
    r0: float,
    growth: float,
    eigen: float,
    ethfi: float,
    published: float,
    estimated: float,
) -> None:
    monitor = PnLMonitor(context(STAKING))
    box = Mailbox(monitor, dedup=False)
    positions = {"etherfi:LST:weETH": weeth}
    capital = InitialCapital(
        **envelope(0, "strategy"),
        asset="ETH",
        amount=weeth * r0,
        deltas=[PositionDelta("etherfi:LST:weETH", weeth)],
    )
    box.deliver("carry.market", _staking_market(0, r0, eigen, ethfi, 3000.0))
    box.deliver("carry.positions.snapshots", _final(0, positions, [capital], 0))
    drops = [
        SeasonalReward(
            **envelope(1, "reward_emitter", n),
            deltas=[PositionDelta(f"wallet:BaseToken:{token}", amount)],
            drop=f"{token}/{n}",
            token=token,
            amount=amount,
            eligible_balance=weeth * r0,
            rate=amount / (weeth * r0) if weeth else 0.0,
            cause="seasonal_rewards_estimated" if guess else "seasonal_rewards",
            estimated=guess,
        )
        for n, (token, amount, guess) in enumerate(
            (("EIGEN", published, False), ("ETHFI", estimated, True))
        )
    ]
    closing = {
        **positions,
        "wallet:BaseToken:EIGEN": published,
        "wallet:BaseToken:ETHFI": estimated,
    }
    r1 = r0 * (1 + growth)
    box.deliver("carry.market", _staking_market(1, r1, eigen, ethfi, 3000.0))
    report = _report(box.deliver("carry.positions.snapshots", _final(1, closing, drops, 1)))
    scale = max(1.0, abs(report.equity))
    parts = report.step_attribution
    assert abs(parts.get("seasonal_rewards", 0.0) - published * eigen) <= 1e-12 * scale
    assert abs(parts.get("seasonal_rewards_estimated", 0.0) - estimated * ethfi) <= 1e-12 * scale
    assert abs(parts.get("staking_yield", 0.0) - weeth * (r1 - r0)) <= 1e-12 * scale
    assert report.reconciliation_error <= 1e-12 * scale
    assert abs(report.pnl_total - sum(report.attribution.values())) <= 1e-12 * scale
