"""A step closes on its final snapshot after orders, on its settled one without: P&L
reports once either way, and the settlers take the step's ledger as closed."""

from __future__ import annotations

from schemas.exposure import ExposureReport, Holding
from schemas.orders import OrdersDone
from schemas.pnl import PnLReport
from schemas.positions import FINAL, ORDER, SETTLED, PositionSnapshot
from schemas.triggers import InitialCapital, PhaseDone, PositionDelta
from services.funding_settler.actor import FundingSettler
from services.pnl_monitor.actor import PnLMonitor
from services.recorder.actor import Recorder
from services.runtime.barrier import closes_step
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, run_config

CONFIG = run_config("btc_basis")
WALLET = "wallet:BaseToken:USDT"
PRICES = {"binance:spot:BTCUSDT": 60_000.0, "binance:perp:BTCUSDT": 60_000.0}
ORACLE = {"USDT/USD": 1.0}
CAPITAL = InitialCapital(
    **envelope(0, "strategy"),
    deltas=[PositionDelta(WALLET, 100_000.0)],
    asset="USDT",
    amount=100_000.0,
)


def _snapshot(step: int, phase: str, version: int, applied: list | None = None):
    return PositionSnapshot(
        **envelope(step, "position_monitor", version),
        phase=phase,
        version=version,
        positions={WALLET: 100_000.0},
        applied=applied or [],
    )


def _done(step: int, based_on: int) -> OrdersDone:
    return OrdersDone(**envelope(step, "strategy", 50), based_on=based_on)


def _reports(out: list) -> list[PnLReport]:
    return [e for _, e in out if isinstance(e, PnLReport)]


def test_orders_done_closes_only_a_step_it_finds_settled() -> None:
    assert closes_step(_done(3, 7), (3, 7))
    assert not closes_step(_done(3, 8), (3, 7))  # an order moved the ledger: a final follows
    assert not closes_step(_done(4, 7), (3, 7))


def test_pnl_reports_on_the_settled_snapshot_of_a_step_without_orders() -> None:
    box = Mailbox(PnLMonitor(context(CONFIG)), dedup=False)
    box.deliver("carry.market", market(0, prices=PRICES, oracle=ORACLE))
    assert box.deliver("carry.orders", _done(0, 0)) == []  # held until its snapshot
    (report,) = _reports(box.deliver("carry.positions", _snapshot(0, SETTLED, 0, [CAPITAL])))
    assert (report.step, report.equity, report.initial_equity) == (0, 100_000.0, 100_000.0)


def test_pnl_reports_once_on_the_final_snapshot_after_orders() -> None:
    box = Mailbox(PnLMonitor(context(CONFIG)), dedup=False)
    box.deliver("carry.market", market(0, prices=PRICES, oracle=ORACLE))
    assert box.deliver("carry.positions", _snapshot(0, SETTLED, 0, [CAPITAL])) == []
    assert box.deliver("carry.positions", _snapshot(0, ORDER, 1)) == []
    assert box.deliver("carry.orders", _done(0, 1)) == []
    (report,) = _reports(box.deliver("carry.positions", _snapshot(0, FINAL, 2)))
    assert report.step == 0


def test_a_settler_settles_the_next_step_once_the_step_closed_without_orders() -> None:
    settler = FundingSettler(context(CONFIG))
    box = Mailbox(settler, dedup=False)
    box.deliver("carry.market", market(0, prices=PRICES))
    box.deliver("carry.positions", _snapshot(0, SETTLED, 0, [CAPITAL]))
    assert box.deliver("carry.market", market(1, prices=PRICES)) == []  # step 0 still open
    (done,) = [e for _, e in box.deliver("carry.orders", _done(0, 0))]
    assert isinstance(done, PhaseDone)
    assert done.step == 1
    assert settler.final_step == 0


def _exposure(step: int, phase: str, version: int, amount: float) -> ExposureReport:
    holding = Holding(
        key=WALLET,
        amount=amount,
        asset="USDT",
        price=1.0,
        value=amount,
        value_usd=amount,
        delta=0.0,
    )
    return ExposureReport(
        **envelope(step, "exposure_monitor", version),
        phase=phase,
        version=version,
        share_class="USDT",
        equity=amount,
        equity_usd=amount,
        holdings=[holding],
        net_delta={},
        gross=0.0,
        net_delta_value=0.0,
        asset_prices={"USDT": 1.0},
    )


def test_the_recorder_keeps_each_steps_closing_exposure() -> None:
    recorder = Recorder(context(CONFIG))
    for report in [
        _exposure(0, SETTLED, 0, 100.0),
        _exposure(0, ORDER, 1, 90.0),
        _exposure(0, FINAL, 2, 80.0),  # after orders: replaces the step's settled rows
        _exposure(1, SETTLED, 3, 70.0),  # no orders: the settled one closes step 1
    ]:
        recorder.on_event("carry.exposure", report)
    assert recorder.positions["step"] == [0, 1]
    assert recorder.positions["amount"] == [80.0, 70.0]
