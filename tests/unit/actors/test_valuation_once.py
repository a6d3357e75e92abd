"""A step's positions are valued once: P&L equity equals exposure equity bit for bit, and
a version with unchanged positions at the same market reuses the valuation and the
risk assessment, giving what a fresh computation gives."""

from __future__ import annotations

import struct

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.exposure import ExposureReport
from schemas.positions import FINAL, SETTLED, PositionSnapshot
from schemas.risk import RiskAssessment
from services.exposure_monitor.actor import ExposureMonitor
from services.risk_monitor.actor import RiskMonitor
from services.valuation.holdings import equity, value_positions
from services.valuation.valuer import Valuer
from tests.stubs import context, envelope, market, run_config

HEDGED = run_config("usdt_eth_staking_hedged_leveraged")
BASIS = run_config("btc_basis", ["end=2024-01-01T05:00"])
HEDGED_KEYS = (
    "wallet:BaseToken:USDT",
    "wallet:BaseToken:ETH",
    "etherfi:LST:weETH",
    "aave_v3:aToken:aweETH",
    "aave_v3:debtToken:debtWETH",
    "binance:BaseToken:USDT",
    "binance:Perp:ETHUSDT",
    "bybit:Perp:ETHUSDT",
)
amounts = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False).filter(bool)
factors = st.floats(0.5, 2.0)


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _hedged_market(eth: float, lst: float, supply: float, borrow: float):
    return market(
        0,
        prices={
            "bybit:spot:ETHUSDT": eth,
            "binance:spot:ETHUSDT": eth,
            "binance:perp:ETHUSDT": eth * 1.0003,
            "bybit:perp:ETHUSDT": eth * 0.9998,
        },
        indices={
            "lst:weETH/ETH": lst,
            "aave:weETH:liquidity_index": supply,
            "aave:WETH:borrow_index": borrow,
        },
        oracle={"USDT/USD": 1.0002, "WETH/USD": eth},
    )


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(HEDGED_KEYS), amounts, min_size=1),
    st.floats(500.0, 10_000.0),
    factors,
    factors,
    factors,
)
def test_pnl_equity_is_the_exposure_equity_bit_for_bit(
    positions: dict[str, float], eth: float, lst: float, supply: float, borrow: float
) -> None:
    valuer = Valuer(HEDGED)
    at = _hedged_market(eth, lst, supply, borrow)
    holdings = value_positions(valuer, positions, at).holdings
    assert _bits(equity(valuer, positions, at)) == _bits(sum(h.value for h in holdings))
    for h in holdings:  # each value is amount * (sign * factors * asset price)
        rule = valuer.rule(h.key)
        price = rule.sign
        for index, _ in rule.factors:
            price *= at.indices[index]
        expected = 0.0 if rule.sign == 0.0 else price * valuer.asset_price(rule.asset, at)
        assert _bits(h.value) == _bits(positions[h.key] * expected)


def _figures(event: ExposureReport | RiskAssessment) -> dict[str, object]:
    """Everything but the event id (a second event of one actor at one step has another)."""
    fields = msgspec.structs.asdict(event)
    del fields["event_id"]
    return fields


def _snapshot(phase: str, version: int, positions: dict[str, float]) -> PositionSnapshot:
    return PositionSnapshot(
        **envelope(0, "position_monitor", version),
        phase=phase,
        version=version,
        positions=positions,
    )


def _basis_market():
    spot = 60_000.0
    return market(
        0,
        prices={
            "binance:spot:BTCUSDT": spot,
            "binance:perp:BTCUSDT": spot,
            "bybit:perp:BTCUSDT": spot,
            "okx:perp:BTCUSDT": spot,
        },
        oracle={"USDT/USD": 1.0},
    )


def _reports(snapshots: list[PositionSnapshot]) -> list[ExposureReport]:
    monitor = ExposureMonitor(context(BASIS))
    monitor.on_event("m", _basis_market())
    out = [e for s in snapshots for _, e in monitor.on_event("p", s)]
    return [e for e in out if isinstance(e, ExposureReport)]


BOOK = {
    "binance:BaseToken:BTC": 1.0,
    "binance:BaseToken:USDT": 12_000.0,
    "binance:Perp:BTCUSDT": -0.5,
    "bybit:BaseToken:USDT": 9_000.0,
    "bybit:Perp:BTCUSDT": -0.5,
}


def test_a_final_version_without_trades_reuses_the_settled_valuation() -> None:
    settled, final = _reports([_snapshot(SETTLED, 4, BOOK), _snapshot(FINAL, 5, dict(BOOK))])
    assert final.holdings is settled.holdings
    assert (final.phase, final.version) == (FINAL, 5)
    (fresh,) = _reports([_snapshot(FINAL, 5, dict(BOOK))])
    assert _figures(final) == _figures(fresh)


def test_a_changed_position_is_valued_again() -> None:
    traded = {**BOOK, "bybit:Perp:BTCUSDT": -0.25}
    settled, final = _reports([_snapshot(SETTLED, 4, BOOK), _snapshot(FINAL, 5, traded)])
    assert final.holdings is not settled.holdings
    assert final.gross < settled.gross


def _assess(reports: list[ExposureReport]) -> list[RiskAssessment]:
    monitor = RiskMonitor(context(BASIS))
    monitor.on_event("m", _basis_market())
    return [e for r in reports for _, e in monitor.on_event("e", r)]  # type: ignore[misc]


def test_a_reused_assessment_equals_a_fresh_one() -> None:
    thin = {**BOOK, "binance:BaseToken:USDT": 3_000.0}
    settled, final = _reports([_snapshot(SETTLED, 4, thin), _snapshot(FINAL, 5, dict(thin))])
    first, second = _assess([settled, final])
    (fresh,) = _assess([final])
    assert second.breaches is first.breaches
    assert _figures(second) == _figures(fresh)
    assert second.required_action == "reduce"
