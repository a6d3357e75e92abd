"""The step barrier and the mailbox: canonical order whatever the arrival order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.base import Event
from schemas.triggers import M2MSettlement, PositionDelta
from services.errors import InvariantError
from services.runtime.actor import Actor, Out
from services.runtime.barrier import StepBarrier
from services.runtime.clock import StepClock
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, run_config

PRODUCERS = ["funding_settler", "cex_venue", "reward_emitter"]


def _settlement(source: str, n: int, step: int = 1) -> M2MSettlement:
    return M2MSettlement(
        **envelope(step, source, n),
        deltas=[PositionDelta("x:BaseToken:USDT", float(n))],
        venue="x",
        instrument="x:perp:BTCUSDT",
        kind="funding",
        size=-1.0,
        mark=1.0,
    )


@given(st.permutations([(s, n) for s in PRODUCERS for n in range(3)]))
def test_barrier_releases_in_canonical_order_whatever_the_interleaving(order: list) -> None:
    # Each producer's own events keep their relative order (the transport guarantees it);
    # how producers interleave is arbitrary.
    per_producer = {s: sorted(n for p, n in order if p == s) for s in PRODUCERS}
    arrival = [(s, per_producer[s].pop(0)) for s, _ in order]
    barrier = StepBarrier(PRODUCERS)
    for source, n in arrival:
        barrier.add(_settlement(source, n))
    for source in reversed(PRODUCERS):
        assert not barrier.complete(1)
        barrier.mark(1, source)
    assert barrier.complete(1)
    released = [(e.source, e.event_id) for e in barrier.release(1)]
    assert released == [(s, f"{s}/1/{n}") for s in PRODUCERS for n in range(3)]
    assert not barrier.complete(1)


def test_barrier_rejects_an_unknown_producer() -> None:
    with pytest.raises(ValueError, match="unexpected producer"):
        StepBarrier(PRODUCERS).add(_settlement("intruder", 0))


def test_a_marker_carries_its_producers_triggers_of_its_step_only() -> None:
    barrier = StepBarrier(PRODUCERS)
    barrier.add(_settlement("cex_venue", 0))
    barrier.mark(1, "funding_settler", [_settlement("funding_settler", 0)])
    for source in ("cex_venue", "reward_emitter"):
        barrier.mark(1, source)
    assert [e.event_id for e in barrier.release(1)] == ["funding_settler/1/0", "cex_venue/1/0"]
    with pytest.raises(ValueError, match="closed step 2 with 'cex_venue/1/0' of 'cex_venue'"):
        barrier.mark(2, "cex_venue", [_settlement("cex_venue", 0)])
    with pytest.raises(ValueError, match="closed step 1 with 'cex_venue/1/0' of 'cex_venue'"):
        barrier.mark(1, "funding_settler", [_settlement("cex_venue", 0)])


class _Needy(Actor):
    """Handles `b` events only after the `a` event of the same step."""

    name = "needy"
    topics = ("a", "b")

    def __init__(self) -> None:
        super().__init__(context(run_config()))
        self.have: set[int] = set()
        self.handled: list[str] = []

    def waits_for(self, topic: str, event: Event) -> bool:
        return topic == "b" and event.step not in self.have

    def on_event(self, topic: str, event: Event) -> list[Out]:
        if topic == "a":
            self.have.add(event.step)
        self.handled.append(f"{topic}{event.step}")
        return []


def _tick(step: int, source: str) -> Event:
    from schemas.clock import Tick

    return Tick(**envelope(step, source))


def test_mailbox_parks_until_the_prerequisite_arrives() -> None:
    actor = _Needy()
    box = Mailbox(actor, dedup=False)
    box.deliver("b", _tick(1, "x"))
    assert actor.handled == []
    box.deliver("a", _tick(1, "y"))
    assert actor.handled == ["a1", "b1"]
    assert box.parked == []


def test_mailbox_with_dedup_drops_a_redelivered_event() -> None:
    actor = _Needy()
    box = Mailbox(actor, dedup=True)
    box.deliver("a", _tick(1, "y"))
    box.deliver("a", _tick(1, "y"))
    assert actor.handled == ["a1"]


def test_actor_refuses_to_emit_for_an_earlier_step() -> None:
    actor = _Needy()
    actor.make(type(_tick(0, "x")), 5)
    with pytest.raises(InvariantError, match="after step 5"):
        actor.make(type(_tick(0, "x")), 4)


def test_step_clock_never_goes_backwards() -> None:
    clock = StepClock(1_000, 10, 5)
    assert clock.advance_to(3) == 1_030
    assert clock.time_of(4) == 1_040
    with pytest.raises(ValueError, match="backwards"):
        clock.advance_to(1)
