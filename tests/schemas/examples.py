"""One representative instance of every event on every topic."""

from __future__ import annotations

from schemas import clock, control, exposure, market, orders, pnl, positions, risk, triggers
from schemas.base import Event

E = {"run_id": "run-1", "ts": 1_725_148_800_000_000_000}


def env(source: str, step: int = 3, n: int = 0) -> dict[str, object]:
    """Envelope of an example event."""
    return {**E, "step": step, "source": source, "event_id": f"{source}/{step}/{n}"}


DELTA = triggers.PositionDelta("binance:BaseToken:USDT", 12.5)
EXECUTION = triggers.VenueExecution(
    **env("cex_venue"),
    deltas=[DELTA, triggers.PositionDelta("binance:Perp:BTCUSDT", -0.25)],
    order_id="3/1",
    action="entry_full",
    venue="binance",
    operation="perp_trade",
    instrument="BTCUSDT",
    side="sell",
    quantity=0.25,
    price=59_000.0,
    reference_price=59_010.0,
    costs=[triggers.Cost("trading_fees", "USDT", 7.37)],
    cause="slippage",
)

FUNDING = triggers.M2MSettlement(
    **env("funding_settler"),
    deltas=[DELTA],
    venue="binance",
    instrument="binance:perp:BTCUSDT",
    kind="funding",
    size=-0.25,
    mark=59_010.0,
    rate=0.0001,
    amount=1.475,
    cause="funding",
)

EXAMPLES: list[tuple[str, Event]] = [
    (control.TOPIC, control.RunStarted(**env("launcher", 0), config={"mode": "btc_basis"})),
    (control.TOPIC, control.RunFinished(**env("clock", 9), steps=10)),
    (control.TOPIC, control.RunStopped(**env("launcher", 4), reason="user")),
    (
        control.TOPIC,
        control.TradingHalted(**env("launcher", 5), reason="kill file", cancel_open=True),
    ),
    (control.TOPIC, control.HaltAcknowledged(**env("launcher", 6), note="ack file")),
    (control.TOPIC, control.StopRequested(**env("launcher", 7), reason="SIGTERM")),
    (clock.TOPIC, clock.Tick(**env("clock"))),
    (
        market.TOPIC,
        market.MarketSnapshot(
            **env("market_data"),
            prices={"binance:perp:BTCUSDT": 59_010.0},
            highs={"binance:perp:BTCUSDT": 59_300.0},
            lows={"binance:perp:BTCUSDT": 58_800.0},
            funding={"binance:perp:BTCUSDT": 0.0001},
            indices={"aave:USDT:liquidity_index": 1.05},
            oracle={"USDT/USD": 1.0002},
            filled=["binance:spot:BTCUSDT"],
            pegs={"weETH/ETH": 1.0351},
            gas_gwei=12.5,
            funding_now={"binance:perp:BTCUSDT": 0.0001},
            next_funding={"binance:perp:BTCUSDT": 1_725_177_600_000_000_000},
        ),
    ),
    (
        triggers.TOPIC,
        triggers.InitialCapital(**env("strategy", 0), deltas=[DELTA], asset="USDT", amount=12.5),
    ),
    (triggers.TOPIC, EXECUTION),
    (
        triggers.TOPIC,
        triggers.PositionRefresh(
            **env("venue_adapter"), venue="binance", balances={"binance:BaseToken:USDT": 12.0}
        ),
    ),
    (
        triggers.TOPIC,
        triggers.SeasonalReward(
            **env("reward_emitter"),
            deltas=[triggers.PositionDelta("wallet:BaseToken:EIGEN", 3.0)],
            drop="eigen/2024-10-12",
            token="EIGEN",
            amount=3.0,
            eligible_balance=16.7,
            rate=0.179,
        ),
    ),
    (triggers.TOPIC, FUNDING),
    (
        triggers.TOPIC,
        triggers.PhaseDone(**env("funding_settler", n=1), phase="settle", triggers=[FUNDING]),
    ),
    (
        triggers.TOPIC,
        triggers.OrderRejected(
            **env("cex_venue", n=2), order_id="3/2", venue="okx", reason="margin"
        ),
    ),
    (
        orders.TOPIC,
        orders.SpotOrder(
            **env("strategy"),
            order_id="3/0",
            action="entry_full",
            venue="binance",
            based_on=7,
            symbol="BTCUSDT",
            side="buy",
            quantity=0.5,
        ),
    ),
    (
        orders.TOPIC,
        orders.PerpOrder(
            **env("strategy", n=1),
            order_id="3/1",
            action="entry_full",
            venue="bybit",
            based_on=8,
            symbol="BTCUSDT",
            side="sell",
            quantity=0.15,
        ),
    ),
    (
        orders.TOPIC,
        orders.TransferOrder(
            **env("strategy", n=2),
            order_id="3/2",
            action="exit_partial",
            venue="okx",
            based_on=9,
            asset="USDT",
            from_account="wallet",
            to_account="okx",
            amount=1_000.0,
        ),
    ),
    (
        orders.TOPIC,
        orders.LendingOrder(
            **env("strategy", n=3),
            order_id="3/3",
            action="entry_full",
            venue="aave_v3",
            based_on=10,
            operation="supply",
            asset="USDT",
            amount=100.0,
        ),
    ),
    (
        orders.TOPIC,
        orders.StakeOrder(
            **env("strategy", n=5),
            order_id="3/5",
            action="entry_full",
            venue="etherfi",
            based_on=12,
            operation="stake",
            lst="weETH",
            amount=10.0,
        ),
    ),
    (
        orders.TOPIC,
        orders.SwapOrder(
            **env("strategy", n=6),
            order_id="3/6",
            action="sell_dust",
            venue="uniswap",
            based_on=13,
            sell="EIGEN",
            buy="ETH",
            amount=120.0,
        ),
    ),
    (
        orders.TOPIC,
        orders.FlashLoopOrder(
            **env("strategy", n=7),
            order_id="3/7",
            action="entry_full",
            venue="aave_v3",
            based_on=14,
            direction="enter",
            lst="weETH",
            amount=100.0,
            target_ltv=0.9094,
        ),
    ),
    (orders.TOPIC, orders.OrdersDone(**env("strategy", n=4), based_on=11)),
    (
        positions.TOPIC,
        positions.PositionSnapshot(
            **env("position_monitor"),
            phase="order",
            version=8,
            positions={"binance:BaseToken:USDT": 12.5, "binance:Perp:BTCUSDT": -0.25},
            applied=[EXECUTION],
            last_order=positions.OrderResult(order_id="3/1", status="filled"),
            discrepancies=[
                positions.Discrepancy(
                    key="binance:BaseToken:USDT", ledger=1.0, venue=2.0, value=1.0
                )
            ],
            halted="binance:BaseToken:USDT differs by 1.00",
        ),
    ),
    (
        exposure.TOPIC,
        exposure.ExposureReport(
            **env("exposure_monitor"),
            phase="final",
            version=9,
            share_class="USDT",
            equity=100_000.0,
            equity_usd=100_020.0,
            holdings=[
                exposure.Holding(
                    key="binance:Perp:BTCUSDT",
                    amount=-0.25,
                    asset="BTC",
                    price=0.0,
                    value=0.0,
                    value_usd=0.0,
                    delta=-0.25,
                    notional=14_752.5,
                )
            ],
            net_delta={"BTC": 0.0},
            gross=29_505.0,
            net_delta_value=0.0,
            asset_prices={"BTC": 59_000.0, "USDT": 1.0},
            gas_gwei=12.5,
        ),
    ),
    (
        risk.TOPIC,
        risk.RiskAssessment(
            **env("risk_monitor"),
            phase="final",
            version=9,
            margins=[
                risk.VenueMargin(
                    venue="binance",
                    balance=7_000.0,
                    notional=14_752.5,
                    ratio=0.4745,
                    maintenance=59.01,
                    initial=118.02,
                )
            ],
            worst_margin_ratio=0.4745,
            delta_ratio=0.0,
            breaches=[
                risk.Breach(
                    check="delta", level="report", subject="net", value=0.01, threshold=0.005
                )
            ],
            required_action="none",
            health_factor=1.0447,
            ltv=0.9094,
        ),
    ),
    (
        pnl.TOPIC,
        pnl.PnLReport(
            **env("pnl_monitor"),
            share_class="USDT",
            equity=100_010.0,
            equity_usd=100_030.0,
            initial_equity=100_000.0,
            pnl_total=10.0,
            attribution={"funding": 10.0},
            step_pnl=1.5,
            step_attribution={"funding": 1.5},
            reconciliation_error=0.0,
        ),
    ),
]
