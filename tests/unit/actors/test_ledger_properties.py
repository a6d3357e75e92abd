"""The ledger changes only through triggers: any sequence of triggers folds to it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.triggers import M2MSettlement, PositionDelta, VenueExecution
from services.errors import InvariantError
from services.position_monitor.ledger import Ledger
from services.valuation.keys import declared_keys
from tests.stubs import envelope, run_config

CONFIG = run_config("usdt_eth_staking_hedged_leveraged")
DECLARED = sorted(declared_keys(CONFIG))
FREE = [
    k
    for k in DECLARED
    if ":Perp:" in k
    or k.endswith("debtToken:debtWETH")
    or k.startswith(("binance:BaseToken:USDT", "bybit:BaseToken:USDT"))
]

deltas = st.lists(st.tuples(st.sampled_from(FREE), st.floats(-1e6, 1e6)), min_size=1, max_size=4)


def _trigger(n: int, items: list[tuple[str, float]]) -> M2MSettlement | VenueExecution:
    ds = [PositionDelta(k, a) for k, a in items]
    if n % 2:
        return M2MSettlement(
            **envelope(n, "x"),
            deltas=ds,
            venue="binance",
            instrument="binance:perp:ETHUSDT",
            kind="funding",
            size=1.0,
            mark=1.0,
        )
    return VenueExecution(
        **envelope(n, "y"),
        deltas=ds,
        order_id=str(n),
        action="a",
        venue="binance",
        operation="transfer",
        instrument="USDT",
    )


@given(st.lists(deltas, min_size=1, max_size=30))
def test_ledger_equals_the_sum_of_the_applied_deltas(batches: list) -> None:
    ledger = Ledger(declared_keys(CONFIG))
    expected: dict[str, list[float]] = {}
    for n, items in enumerate(batches):
        applied = _trigger(n, items)
        ledger.apply(applied)
        for d in applied.deltas:
            expected.setdefault(d.key, []).append(d.amount)
        assert set(ledger.positions) <= set(DECLARED)
    for key in DECLARED:
        total = math.fsum(expected.get(key, []))
        held = ledger.positions.get(key, 0.0)
        scale = max(1.0, *(abs(a) for a in expected.get(key, [0.0])))
        assert abs(held - total) <= 1e-9 * scale * max(1, len(expected.get(key, []))), key


@given(st.text(min_size=1).filter(lambda k: k not in DECLARED), st.floats(-1e3, 1e3))
def test_any_delta_on_an_undeclared_key_is_refused(key: str, amount: float) -> None:
    ledger = Ledger(declared_keys(CONFIG))
    with pytest.raises((InvariantError, ValueError)):
        ledger.apply(_trigger(1, [(key, amount)]))
    assert ledger.positions == {}
