"""Tiered maintenance margin and the liquidation point."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cex_venue.margin import TierTable, liquidation_fraction
from services.config.venues import load_venues

BINANCE_BTC = TierTable(load_venues()["binance"].maintenance_tiers["BTCUSDT"])


def test_binance_btc_deductions_match_the_published_maintenance_amounts() -> None:
    assert BINANCE_BTC.deductions[:5] == pytest.approx([0.0, 50.0, 1_300.0, 16_300.0, 141_300.0])
    assert BINANCE_BTC.maintenance(40_000.0) == pytest.approx(160.0)
    assert BINANCE_BTC.maintenance(100_000.0) == pytest.approx(450.0)
    assert BINANCE_BTC.initial(100_000.0) == pytest.approx(900.0)


@pytest.mark.parametrize("venue", ["binance", "bybit", "okx"])
@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT"])
def test_maintenance_is_continuous_and_increasing_across_tiers(venue: str, symbol: str) -> None:
    table = TierTable(load_venues()[venue].maintenance_tiers[symbol])
    for cap in table.caps[:-1]:
        below, above = table.maintenance(cap * (1 - 1e-12)), table.maintenance(cap * (1 + 1e-12))
        assert above == pytest.approx(below, rel=1e-9)
        assert above >= below - 1e-6


@given(
    balance=st.floats(100.0, 50_000.0),
    size=st.floats(0.01, 2.0),
    mark=st.floats(20_000.0, 100_000.0),
    move=st.floats(0.0, 2.0),
)
def test_liquidation_fraction_lands_where_equity_meets_maintenance(
    balance: float, size: float, mark: float, move: float
) -> None:
    worst = mark * (1.0 + move)
    x = liquidation_fraction(balance, [-size], [mark], [worst], [BINANCE_BTC])

    def surplus(price: float) -> float:
        return balance - size * (price - mark) - BINANCE_BTC.maintenance(size * price)

    if x is None:
        assert surplus(worst) >= 0.0
    elif x == 0.0:
        assert surplus(mark) < 0.0
    else:
        price = mark + x * (worst - mark)
        assert surplus(price) == pytest.approx(0.0, abs=1e-6 * balance)
        assert surplus(mark + (x - 1e-6) * (worst - mark)) > -1e-6 * balance
