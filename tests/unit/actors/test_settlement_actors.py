"""Funding settler and CEX venue settlement, each actor alone on its inputs."""

from __future__ import annotations

import pytest

from schemas.positions import FINAL, PositionSnapshot
from schemas.triggers import M2MSettlement, PhaseDone, VenueExecution
from services.cex_venue.actor import CexVenue
from services.funding_settler.actor import FundingSettler
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, published, run_config

CONFIG = run_config("btc_basis")
PERP = "binance:perp:BTCUSDT"


def _final(step: int, positions: dict[str, float], version: int = 0) -> PositionSnapshot:
    return PositionSnapshot(
        **envelope(step, "position_monitor"), phase=FINAL, version=version, positions=positions
    )


def _events(out: list) -> list:
    (marker,) = [e for _, e in out]  # a settlement is one marker carrying its triggers
    assert isinstance(marker, PhaseDone)
    return published(out)


@pytest.mark.parametrize(
    ("size", "rate", "expected"),
    [
        (-2.0, 0.0001, 2.0 * 60_000.0 * 0.0001),  # short receives a positive rate
        (-2.0, -0.0002, -2.0 * 60_000.0 * 0.0002),  # short pays a negative rate
        (1.5, 0.0001, -1.5 * 60_000.0 * 0.0001),  # long pays a positive rate
    ],
)
def test_funding_payment_is_size_times_mark_times_rate_with_the_right_sign(
    size: float, rate: float, expected: float
) -> None:
    settler = FundingSettler(context(CONFIG))
    box = Mailbox(settler, dedup=False)
    box.deliver("carry.positions.snapshots", _final(0, {"binance:Perp:BTCUSDT": size}))
    out = _events(
        box.deliver("carry.market", market(1, prices={PERP: 60_000.0}, funding={PERP: rate}))
    )
    settlement, marker = out
    assert isinstance(settlement, M2MSettlement)
    assert isinstance(marker, PhaseDone)
    assert settlement.amount == pytest.approx(expected)
    assert settlement.deltas[0].key == "binance:BaseToken:USDT"
    assert settlement.deltas[0].amount == settlement.amount
    assert settlement.cause == "funding"


def test_funding_settler_waits_for_the_previous_steps_final_ledger() -> None:
    settler = FundingSettler(context(CONFIG))
    box = Mailbox(settler, dedup=False)
    out = box.deliver("carry.market", market(1, prices={PERP: 60_000.0}, funding={PERP: 0.0001}))
    assert out == []
    assert len(box.parked) == 1
    out = _events(
        box.deliver("carry.positions.snapshots", _final(0, {"binance:Perp:BTCUSDT": -1.0}))
    )
    assert [type(e).__name__ for e in out] == ["M2MSettlement", "PhaseDone"]


def test_no_funding_without_a_settlement_rate_or_a_position() -> None:
    settler = FundingSettler(context(CONFIG))
    box = Mailbox(settler, dedup=False)
    box.deliver("carry.positions.snapshots", _final(0, {"bybit:Perp:BTCUSDT": -1.0}))
    out = _events(box.deliver("carry.market", market(1, prices={PERP: 1.0}, funding={PERP: 0.001})))
    assert [type(e).__name__ for e in out] == ["PhaseDone"]


def _venue_after(step0: dict[str, float], hi: float, close: float, lo: float | None = None):
    venue = CexVenue(context(CONFIG))
    box = Mailbox(venue, dedup=False)
    box.deliver("carry.positions.snapshots", _final(0, step0))
    box.deliver("carry.market", market(0, prices={PERP: 50_000.0}))
    return _events(
        box.deliver(
            "m", market(1, prices={PERP: close}, highs={PERP: hi}, lows={PERP: lo or close})
        )
    )


def test_variation_margin_settles_the_move_to_the_close() -> None:
    out = _venue_after(
        {"binance:Perp:BTCUSDT": -1.0, "binance:BaseToken:USDT": 20_000.0},
        hi=51_000.0,
        close=50_500.0,
    )
    vm, marker = out
    assert isinstance(vm, M2MSettlement)
    assert vm.kind == "variation_margin"
    assert vm.amount == pytest.approx(-500.0)
    assert vm.reference == 50_000.0
    assert vm.mark == 50_500.0
    assert isinstance(marker, PhaseDone)


def test_short_is_liquidated_where_the_hours_high_breaks_maintenance() -> None:
    balance = 2_000.0
    out = _venue_after(
        {"binance:Perp:BTCUSDT": -1.0, "binance:BaseToken:USDT": balance},
        hi=53_000.0,
        close=51_000.0,
    )
    vm, liquidation, marker = out
    assert isinstance(liquidation, VenueExecution)
    assert liquidation.operation == "liquidation"
    # Equity at the liquidation price equals maintenance; ~51.8k notional is Binance's
    # second tier (0.5 %, deduction 50): B - (p - 50k) = 0.005 * p - 50.
    p = (balance + 50_000.0 + 50.0) / 1.005
    assert vm.mark == pytest.approx(p, rel=1e-9)
    assert vm.amount == pytest.approx(-(p - 50_000.0), rel=1e-9)
    deltas = {d.key: d.amount for d in liquidation.deltas}
    assert deltas["binance:Perp:BTCUSDT"] == 1.0
    assert deltas["binance:BaseToken:USDT"] == pytest.approx(-(0.005 * p - 50.0), rel=1e-6)
    assert liquidation.cause == "liquidation_loss"
    assert isinstance(marker, PhaseDone)


def test_no_liquidation_when_the_high_stays_above_maintenance() -> None:
    out = _venue_after(
        {"binance:Perp:BTCUSDT": -1.0, "binance:BaseToken:USDT": 2_000.0},
        hi=51_700.0,
        close=51_000.0,
    )
    assert [type(e).__name__ for e in out] == ["M2MSettlement", "PhaseDone"]
