"""Clock, market data, exposure, risk and strategy manager, each alone on its inputs."""

from __future__ import annotations

import pytest

from schemas.clock import Tick
from schemas.control import RunFinished
from schemas.exposure import ExposureReport, Holding
from schemas.market import MarketSnapshot
from schemas.orders import OrdersDone, SpotOrder, TransferOrder
from schemas.positions import FINAL, SETTLED, PositionSnapshot
from schemas.risk import REDUCE, RiskAssessment
from schemas.triggers import InitialCapital
from services.clock.actor import ClockActor
from services.exposure_monitor.actor import ExposureMonitor
from services.launcher.run import run_started
from services.market_data.actor import MarketData
from services.registry import factory
from services.risk_monitor.actor import RiskMonitor
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, pnl_report, run_config

CONFIG = run_config("btc_basis", ["end=2024-01-01T05:00"])
SPOT, PERP = "binance:spot:BTCUSDT", "binance:perp:BTCUSDT"


def test_clock_ticks_once_per_closed_step_then_finishes() -> None:
    clock = ClockActor(context(CONFIG))
    (first,) = clock.on_start(run_started(CONFIG))
    assert isinstance(first[1], Tick)
    assert first[1].step == 0
    assert first[1].ts == CONFIG.start_ns
    ticks = [clock.on_event("p", pnl_report(t))[0][1] for t in range(CONFIG.steps)]
    assert [type(e) for e in ticks] == [Tick] * (CONFIG.steps - 1) + [RunFinished]
    assert [e.step for e in ticks[:-1]] == list(range(1, CONFIG.steps))
    assert ticks[-1].steps == CONFIG.steps


def test_market_data_replays_the_frame_with_funding_at_settlement_hours() -> None:
    actor = MarketData(context(CONFIG))
    actor.on_start(run_started(CONFIG))
    snaps = [actor.on_event("c", Tick(**envelope(t, "clock")))[0][1] for t in range(5)]
    assert all(isinstance(s, MarketSnapshot) for s in snaps)
    assert set(snaps[0].funding) == {
        "binance:perp:BTCUSDT",
        "bybit:perp:BTCUSDT",
        "okx:perp:BTCUSDT",
    }  # 00:00 UTC settles
    assert all(not s.funding for s in snaps[1:])
    assert snaps[0].prices[SPOT] > 0
    assert snaps[0].highs[PERP] >= snaps[0].prices[PERP]
    assert snaps[0].oracle["USDT/USD"] == pytest.approx(1.0, abs=0.01)


def _exposure(positions: dict[str, float], spot: float = 50_000.0) -> ExposureReport:
    monitor = ExposureMonitor(context(CONFIG))
    box = Mailbox(monitor, dedup=False)
    prices = {SPOT: spot, PERP: spot, "bybit:perp:BTCUSDT": spot, "okx:perp:BTCUSDT": spot}
    snap = PositionSnapshot(
        **envelope(0, "position_monitor"), phase=FINAL, version=3, positions=positions
    )
    assert box.deliver("carry.positions.snapshots", snap) == []  # waits for its market
    box.deliver("carry.market", market(0, prices=prices, oracle={"USDT/USD": 1.001}))
    (report,) = [e for _, e in monitor.on_event("p", snap)]
    return report


def test_exposure_values_spot_and_perps_and_nets_the_delta() -> None:
    report = _exposure(
        {
            "binance:BaseToken:BTC": 1.0,
            "binance:BaseToken:USDT": 25_000.0,
            "binance:Perp:BTCUSDT": -1.0,
        }
    )
    assert report.equity == pytest.approx(75_000.0)
    assert report.equity_usd == pytest.approx(75_000.0 * 1.001)
    assert report.net_delta == {"BTC": 0.0}
    assert report.gross == pytest.approx(100_000.0)
    perp = next(h for h in report.holdings if h.key == "binance:Perp:BTCUSDT")
    assert perp.value == 0.0
    assert perp.notional == 50_000.0


def test_risk_requires_a_reduction_below_the_margin_threshold() -> None:
    monitor = RiskMonitor(context(CONFIG))
    monitor.on_event("m", market(0, prices={}))
    report = _exposure(
        {
            "binance:BaseToken:BTC": 1.0,
            "binance:BaseToken:USDT": 9_000.0,
            "binance:Perp:BTCUSDT": -1.0,
        }
    )
    (assessment,) = [e for _, e in monitor.on_event("e", report)]
    assert isinstance(assessment, RiskAssessment)
    (margin,) = assessment.margins
    assert margin.ratio == pytest.approx(0.18)
    assert margin.maintenance == pytest.approx(50_000.0 * 0.004)
    assert assessment.required_action == REDUCE
    assert {(b.check, b.level) for b in assessment.breaches} == {("cex_margin", "reduce")}


def test_strategy_sends_one_order_per_ledger_version_then_orders_done() -> None:
    manager = factory("strategy")(context(CONFIG))
    ((_, capital),) = manager.on_start(run_started(CONFIG))
    assert isinstance(capital, InitialCapital)
    assert capital.amount == 100_000.0
    box = Mailbox(manager, dedup=False)

    def step(version: int, holdings: list[Holding], phase: str = SETTLED) -> object:
        report = ExposureReport(
            **envelope(0, "exposure_monitor", version),
            phase=phase,
            version=version,
            share_class="USDT",
            equity=sum(h.value for h in holdings),
            equity_usd=0.0,
            holdings=holdings,
            net_delta={},
            gross=0.0,
            asset_prices={"BTC": 50_000.0, "USDT": 1.0},
        )
        risk = RiskAssessment(
            **envelope(0, "risk_monitor", version),
            phase=phase,
            version=version,
            margins=[],
            worst_margin_ratio=None,
            delta_ratio=0.0,
            breaches=[],
            required_action="none",
        )
        assert box.deliver("carry.risk", risk) == []  # waits for its exposure
        ((_, order),) = box.deliver("carry.exposure", report)
        return order

    wallet = [
        Holding(
            key="wallet:BaseToken:USDT",
            amount=100_000.0,
            asset="USDT",
            price=1.0,
            value=100_000.0,
            value_usd=100_000.0,
            delta=100_000.0,
        )
    ]
    first = step(0, wallet)
    assert isinstance(first, TransferOrder)
    assert first.based_on == 0
    assert first.to_account == "binance"
    assert first.action == "entry_full"
    second = step(1, wallet, phase="order")
    assert isinstance(second, TransferOrder)
    assert second.to_account == "bybit"
    assert second.order_id != first.order_id
    third = step(2, wallet, phase="order")
    assert third.to_account == "okx"
    fourth = step(3, wallet, phase="order")
    assert isinstance(fourth, SpotOrder)
    assert fourth.side == "buy"
    done = None
    for version in range(4, 12):
        done = step(version, wallet, phase="order")
        if isinstance(done, OrdersDone):
            break
    assert isinstance(done, OrdersDone)
