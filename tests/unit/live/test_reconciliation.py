"""Reconciliation in the position monitor: tolerance, discrepancies, halt and acknowledgement."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
import structlog

from schemas.control import HaltAcknowledged
from schemas.orders import OrdersDone
from schemas.positions import PositionSnapshot
from schemas.triggers import InitialCapital, PhaseDone, PositionDelta, PositionRefresh
from services.config.live import LiveConfig
from services.position_monitor.actor import PositionMonitor
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, run_config

WALLET = "wallet:BaseToken:USDT"
USDT = "binance:BaseToken:USDT"
PERP = "binance:Perp:BTCUSDT"
PRICES = {"binance:spot:BTCUSDT": 60_000.0, "binance:perp:BTCUSDT": 60_000.0}


@pytest.fixture(autouse=True)
def logs() -> Iterator[list[dict]]:
    with structlog.testing.capture_logs() as logs:
        yield logs


def _box(halt: float = 0.05) -> Mailbox:
    config = msgspec.structs.replace(
        run_config("btc_basis"), live=LiveConfig(venues={}, reconciliation_halt=halt)
    )
    return Mailbox(PositionMonitor(context(config), ["live_cex_venue"]), dedup=False)


def _snaps(out: list) -> list[PositionSnapshot]:
    return [e for _, e in out if isinstance(e, PositionSnapshot)]


def _start(box: Mailbox, capital: float = 100_000.0) -> None:
    box.deliver("carry.market", market(0, prices=PRICES))
    box.deliver(
        "t",
        InitialCapital(
            **envelope(0, "strategy"),
            deltas=[PositionDelta(WALLET, capital)],
            asset="USDT",
            amount=capital,
        ),
    )


def _refresh(step: int, balances: dict[str, float], n: int = 0) -> PositionRefresh:
    return PositionRefresh(
        **envelope(step, "live_cex_venue", n), venue="binance", balances=balances
    )


def _settle(box: Mailbox, step: int, balances: dict[str, float]) -> PositionSnapshot:
    box.deliver("carry.positions.triggers", _refresh(step, balances))
    (snap,) = _snaps(
        box.deliver(
            "carry.positions.triggers",
            PhaseDone(**envelope(step, "live_cex_venue", 9), phase="settle"),
        )
    )
    return snap


def test_differences_below_tolerance_are_applied_silently() -> None:
    box = _box()
    _start(box)
    snap = _settle(box, 0, {WALLET: 100_000.004})
    assert snap.positions[WALLET] == 100_000.004
    assert snap.discrepancies == []
    assert snap.halted == ""


def test_a_difference_above_tolerance_is_applied_and_reported_with_its_value(
    logs: list[dict],
) -> None:
    box = _box()
    _start(box)
    snap = _settle(box, 0, {WALLET: 99_000.0, PERP: 0.0})
    assert snap.positions[WALLET] == 99_000.0
    (d,) = snap.discrepancies
    assert (d.key, d.ledger, d.venue, d.value) == (WALLET, 100_000.0, 99_000.0, -1_000.0)
    assert snap.halted == ""  # 1 % of equity is below the 5 % halt threshold
    assert [e["event"] for e in logs] == ["reconciliation_differences"]


def test_a_missing_report_is_not_a_flat_position() -> None:
    box = _box()
    _start(box)
    snap = _settle(box, 0, {USDT: 0.0})
    assert snap.positions == {WALLET: 100_000.0}
    assert snap.discrepancies == []


def test_a_perp_difference_is_valued_at_its_notional() -> None:
    box = _box(halt=0.5)
    _start(box)
    snap = _settle(box, 0, {PERP: -0.5})
    (d,) = snap.discrepancies
    assert d.value == pytest.approx(-30_000.0)
    assert snap.positions[PERP] == -0.5


def test_a_difference_above_the_halt_threshold_halts_until_acknowledged() -> None:
    box = _box(halt=0.05)
    _start(box)
    snap = _settle(box, 0, {WALLET: 90_000.0})
    assert "wallet:BaseToken:USDT" in snap.halted
    _close_without_orders(box, snap)
    box.deliver("carry.market", market(1, prices=PRICES))
    assert _settle(box, 1, {WALLET: 90_000.0}).halted == snap.halted  # until acknowledged
    box.deliver("c", HaltAcknowledged(**envelope(1, "launcher", 5), note="test"))
    box.deliver("carry.market", market(2, prices=PRICES))
    assert _settle(box, 2, {WALLET: 90_000.0}).halted == ""


def test_a_refresh_during_trading_is_applied_and_reported_with_the_next_snapshot() -> None:
    box = _box()
    _start(box)
    settled = _settle(box, 0, {WALLET: 100_000.0})
    assert box.deliver("carry.positions.triggers", _refresh(0, {WALLET: 99_990.0}, n=3)) == []
    _close_without_orders(box, settled)
    box.deliver("carry.market", market(1, prices=PRICES))
    following = _settle(box, 1, {WALLET: 99_990.0})
    assert following.positions[WALLET] == 99_990.0
    assert [d.key for d in following.discrepancies] == [WALLET]
    late = following.applied[0]
    assert isinstance(late, PositionRefresh)
    assert late.step == 0


def _close_without_orders(box: Mailbox, settled: PositionSnapshot) -> None:
    """No order this step: the settled snapshot closes it (no final snapshot)."""
    done = OrdersDone(**envelope(settled.step, "strategy", 1), based_on=settled.version)
    assert _snaps(box.deliver("carry.orders", done)) == []


def test_the_opening_refresh_of_a_run_seeded_from_its_venues_is_not_a_discrepancy() -> None:
    box = _box()
    _start(box, capital=0.0)
    opening = msgspec.structs.replace(_refresh(0, {WALLET: 5_000.0}), cause="capital")
    box.deliver("carry.positions.triggers", opening)
    (snap,) = _snaps(
        box.deliver(
            "carry.positions.triggers",
            PhaseDone(**envelope(0, "live_cex_venue", 9), phase="settle"),
        )
    )
    assert snap.positions == {WALLET: 5_000.0}
    assert snap.discrepancies == []
