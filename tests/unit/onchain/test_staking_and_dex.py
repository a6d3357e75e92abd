"""EtherFi/Lido staking with the unstake queue, and DEX sales."""

from __future__ import annotations

import pytest

from schemas.orders import StakeOrder, SwapOrder
from schemas.positions import FINAL, ORDER, PositionSnapshot
from schemas.triggers import OrderRejected, PhaseDone, VenueExecution
from services.dex_venue.actor import DexVenue
from services.runtime.host import Mailbox
from services.staking_venue.actor import StakingVenue
from tests.stubs import context, envelope, market, published, run_config

STAKING = run_config("eth_staking_only", ["costs=false"])


def _market(step: int, rate: float = 1.04, peg: float = 1.035):
    return market(
        step,
        indices={"lst:weETH/ETH": rate},
        pegs={"weETH/ETH": peg},
        prices={"uniswap:EIGEN/WETH": 0.001},
        gas_gwei=10.0,
        oracle={"WETH/USD": 3_000.0, "USDT/USD": 1.0},
    )


def _ledger(step: int, positions: dict[str, float], version: int, phase: str = FINAL):
    return PositionSnapshot(
        **envelope(step, "position_monitor", version),
        phase=phase,
        version=version,
        positions=positions,
    )


def _order(step: int, version: int, **fields):
    kind = fields.pop("kind")
    return kind(
        **envelope(step, "strategy", version),
        order_id=f"{step}/{version}",
        action="entry_full",
        based_on=version,
        **fields,
    )


def _out(box: Mailbox, event) -> list:
    from schemas import topics
    from schemas.market import MarketSnapshot
    from schemas.positions import PositionSnapshot

    topic = topics.ORDERS
    if isinstance(event, MarketSnapshot):
        topic = topics.MARKET
    elif isinstance(event, PositionSnapshot):
        topic = topics.POSITIONS
    return published(box.deliver(topic, event))


def test_stake_mints_at_the_protocol_rate_and_unstake_claims_after_seven_days() -> None:
    venue = StakingVenue(context(STAKING))
    box = Mailbox(venue, dedup=False)
    box.deliver("carry.positions.snapshots", _ledger(0, {"wallet:BaseToken:ETH": 10.4}, 0, ORDER))
    _out(box, _market(0))
    (staked,) = _out(
        box,
        _order(0, 0, kind=StakeOrder, venue="etherfi", operation="stake", lst="weETH", amount=10.4),
    )
    assert {d.key: d.amount for d in staked.deltas} == pytest.approx(
        {"wallet:BaseToken:ETH": -10.4, "etherfi:LST:weETH": 10.0}
    )
    box.deliver("carry.positions.snapshots", _ledger(0, {"etherfi:LST:weETH": 10.0}, 1, ORDER))
    (unstaked,) = _out(
        box,
        _order(
            0, 1, kind=StakeOrder, venue="etherfi", operation="unstake", lst="weETH", amount=4.0
        ),
    )
    assert {d.key: d.amount for d in unstaked.deltas} == pytest.approx(
        {"etherfi:LST:weETH": -4.0, "etherfi:BaseToken:ETH": 4.16}
    )
    claimable = {"etherfi:LST:weETH": 6.0, "etherfi:BaseToken:ETH": 4.16}
    for step in range(1, 168):  # the queue is 7 days = 168 hourly steps
        box.deliver("carry.positions.snapshots", _ledger(step - 1, claimable, step + 1))
        out = _out(box, _market(step))
        assert [type(e) for e in out] == [PhaseDone], step
    box.deliver("carry.positions.snapshots", _ledger(167, claimable, 200))
    claim, _marker = _out(box, _market(168))
    assert isinstance(claim, VenueExecution)
    assert claim.operation == "claim"
    assert {d.key: d.amount for d in claim.deltas} == pytest.approx(
        {"etherfi:BaseToken:ETH": -4.16, "wallet:BaseToken:ETH": 4.16}
    )


def test_lido_unstake_is_refused_wsteth_exits_by_market_sale() -> None:
    config = run_config("eth_staking_only", ["costs=false", "lst_type=wsteth"])
    venue = StakingVenue(context(config))
    box = Mailbox(venue, dedup=False)
    box.deliver("carry.positions.snapshots", _ledger(0, {"lido:LST:wstETH": 1.0}, 0, ORDER))
    box.deliver("carry.market", market(0, indices={"lst:wstETH/ETH": 1.17}))
    (refused,) = _out(
        box,
        _order(0, 0, kind=StakeOrder, venue="lido", operation="unstake", lst="wstETH", amount=1.0),
    )
    assert isinstance(refused, OrderRejected)
    assert "exits by market sale" in refused.reason


def test_lst_sale_pays_the_peg_discount_and_the_cost_bucket() -> None:
    config = run_config("eth_staking_only")
    dex = DexVenue(context(config))
    box = Mailbox(dex, dedup=False)
    box.deliver(
        "carry.positions.snapshots",
        _ledger(0, {"etherfi:LST:weETH": 10.0, "wallet:BaseToken:ETH": 1.0}, 0, ORDER),
    )
    box.deliver("carry.market", _market(0))
    (sale,) = _out(
        box, _order(0, 0, kind=SwapOrder, venue="uniswap", sell="weETH", buy="ETH", amount=10.0)
    )
    gross = 10.0 * 1.035  # at the market rate, not the 1.04 oracle rate
    fee = gross * 24 / 1e4  # 31k USD: the 100k bucket of ETH/weETH, 24 bps
    gas = 180_000 * 10.0 * 1e-9
    deltas = {}
    for d in sale.deltas:
        deltas[d.key] = deltas.get(d.key, 0.0) + d.amount
    assert deltas["etherfi:LST:weETH"] == -10.0
    assert deltas["wallet:BaseToken:ETH"] == pytest.approx(gross - fee - gas)
    assert {c.component: c.amount for c in sale.costs} == pytest.approx(
        {"trading_fees": fee, "gas": gas}
    )
