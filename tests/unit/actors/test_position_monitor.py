"""The position monitor: triggers in canonical order, declared keys, reconciliation."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.orders import OrdersDone
from schemas.positions import FINAL, ORDER, SETTLED, PositionSnapshot
from schemas.triggers import (
    InitialCapital,
    M2MSettlement,
    PhaseDone,
    PositionDelta,
    VenueExecution,
)
from services.errors import InvariantError
from services.position_monitor.actor import PositionMonitor
from services.position_monitor.ledger import Ledger
from services.runtime.host import Mailbox
from services.valuation.keys import declared_keys
from tests.stubs import context, envelope, run_config

CONFIG = run_config("btc_basis")
PRODUCERS = ["funding_settler", "cex_venue"]
USDT = "binance:BaseToken:USDT"


def _monitor() -> tuple[PositionMonitor, Mailbox]:
    pm = PositionMonitor(context(CONFIG), PRODUCERS)
    return pm, Mailbox(pm, dedup=False)


def _capital() -> InitialCapital:
    return InitialCapital(
        **envelope(0, "strategy"),
        deltas=[PositionDelta("wallet:BaseToken:USDT", 1_000.0)],
        asset="USDT",
        amount=1_000.0,
    )


def _m2m(source: str, n: int, amount: float, step: int = 0) -> M2MSettlement:
    return M2MSettlement(
        **envelope(step, source, n),
        deltas=[PositionDelta(USDT, amount)],
        venue="binance",
        instrument="binance:perp:BTCUSDT",
        kind="funding",
        size=-1.0,
        mark=1.0,
        amount=amount,
    )


def _snapshots(out: list) -> list[PositionSnapshot]:
    return [e for _, e in out if isinstance(e, PositionSnapshot)]


@settings(max_examples=40)
@given(st.permutations(range(6)), st.booleans())
def test_settled_snapshot_is_identical_whatever_the_arrival_order(
    perm: list[int], nested: bool
) -> None:
    funding = [_m2m("funding_settler", 0, 1.0), _m2m("funding_settler", 1, 2.0)]
    events = [
        _capital(),
        *([] if nested else funding),
        PhaseDone(
            **envelope(0, "funding_settler", 2), phase="settle", triggers=funding if nested else []
        ),
        _m2m("cex_venue", 0, -0.5),
        PhaseDone(**envelope(0, "cex_venue", 1), phase="settle"),
    ]
    # A producer's own events arrive in order; producers interleave arbitrarily. Its
    # triggers come before its marker or inside it: the snapshot is the same.
    order = sorted(range(len(events)), key=lambda i: perm[i])
    for source in ("funding_settler", "cex_venue"):
        idx = [i for i in order if events[i].source == source]
        for pos, i in zip(sorted(order.index(j) for j in idx), sorted(idx), strict=True):
            order[pos] = i
    _, box = _monitor()
    out = list(
        itertools.chain.from_iterable(
            box.deliver("carry.positions.triggers", events[i]) for i in order
        )
    )
    (snapshot,) = _snapshots(out)
    assert snapshot.phase == SETTLED
    assert snapshot.version == 0
    assert [t.event_id for t in snapshot.applied] == [
        "strategy/0/0",
        "funding_settler/0/0",
        "funding_settler/0/1",
        "cex_venue/0/0",
    ]
    assert snapshot.positions == {"wallet:BaseToken:USDT": 1_000.0, USDT: 2.5}


def test_execution_then_orders_done_give_order_and_final_snapshots() -> None:
    _, box = _monitor()
    box.deliver("carry.positions.triggers", _capital())
    box.deliver(
        "carry.positions.triggers", PhaseDone(**envelope(0, "funding_settler"), phase="settle")
    )
    box.deliver("carry.positions.triggers", PhaseDone(**envelope(0, "cex_venue"), phase="settle"))
    execution = VenueExecution(
        **envelope(0, "cex_venue", 1),
        order_id="0/0",
        action="entry_full",
        venue="binance",
        operation="transfer",
        instrument="USDT",
        deltas=[PositionDelta("wallet:BaseToken:USDT", -100.0), PositionDelta(USDT, 100.0)],
    )
    (order,) = _snapshots(box.deliver("carry.positions.triggers", execution))
    assert order.phase == ORDER
    assert order.last_order.status == "filled"
    (final,) = _snapshots(
        box.deliver(
            "carry.orders", OrdersDone(**envelope(0, "strategy", 1), based_on=order.version)
        )
    )
    assert final.phase == FINAL
    assert final.version == order.version + 1
    assert final.positions == {"wallet:BaseToken:USDT": 900.0, USDT: 100.0}


def test_delta_on_an_undeclared_key_crashes() -> None:
    ledger = Ledger(declared_keys(CONFIG))
    bad = M2MSettlement(
        **envelope(0, "x"),
        deltas=[PositionDelta("kraken:BaseToken:USDT", 1.0)],
        venue="kraken",
        instrument="kraken:perp:BTCUSDT",
        kind="funding",
        size=1.0,
        mark=1.0,
    )
    with pytest.raises(InvariantError, match="undeclared position 'kraken:BaseToken:USDT'"):
        ledger.apply(bad)


def test_wallet_going_negative_crashes() -> None:
    ledger = Ledger(declared_keys(CONFIG))
    overdraft = InitialCapital(
        **envelope(0, "strategy"),
        deltas=[PositionDelta("wallet:BaseToken:USDT", -5.0)],
        asset="USDT",
        amount=-5.0,
    )
    with pytest.raises(InvariantError, match="negative"):
        ledger.apply(overdraft)
