"""The Kafka transport's pure parts: bus URLs, causal stamps and the causal gate."""

from __future__ import annotations

import msgspec
import pytest

from schemas.clock import Tick, codec
from services.errors import ConfigError
from services.runtime.kafka.gate import CausalGate
from services.runtime.kafka.url import is_memory, parse_kafka_url
from services.runtime.kafka.wire import Causality, Incoming, decode_record, topic_id
from tests.stubs import envelope


def _rec(topic: str, offset: int, deps: list[int] | None = None, partition: int = 0) -> Incoming:
    return Incoming(topic, partition, offset, b"r", b"", deps or [])


def _dep(topic: str, offset: int, partition: int = 0) -> list[int]:
    return [topic_id(topic), partition, offset]


def test_kafka_url_parses_partitions_and_namespace() -> None:
    url = parse_kafka_url("kafka://127.0.0.1:19092?partitions=3&namespace=t1")
    assert (url.bootstrap, url.partitions, url.namespace) == ("127.0.0.1:19092", 3, "t1")
    assert url.topic("carry.clock") == "t1.carry.clock"
    assert url.base("t1.carry.clock") == "carry.clock"
    assert url.group("clock") == "carry.t1.clock"
    assert parse_kafka_url(str(url)) == url
    assert parse_kafka_url("kafka://h:1").group("clock") == "carry.clock"
    assert is_memory(None)
    assert is_memory("memory://")


@pytest.mark.parametrize(
    "bad",
    [
        "http://h:1",
        "kafka://h",
        "kafka://h:1?partitions=0",
        "kafka://h:1?x=1",
        "kafka://h:1?namespace=a b",
    ],
)
def test_kafka_url_refuses_bad_urls(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_kafka_url(bad)


def test_stamp_carries_the_causal_past_of_a_run() -> None:
    known = Causality()
    known.see("r", _rec("carry.pnl", 7, _dep("carry.market", 3)))
    known.see("r", _rec("carry.pnl", 5))
    known.see("other", _rec("carry.pnl", 9))
    tick = Tick(**{**envelope(), "run_id": "r"})
    good = decode_record(
        "carry.clock", 0, 0, b"r", codec.encode(tick), [("carry-stamp", known.stamp("r"))]
    )
    assert good.event == tick
    assert sorted(zip(good.deps[::3], good.deps[2::3], strict=True)) == sorted(
        [(topic_id("carry.market"), 3), (topic_id("carry.pnl"), 7)]
    )


def test_undecodable_record_is_marked_not_raised() -> None:
    rec = decode_record("carry.clock", 2, 5, b"r", b"\xc1junk", [])
    assert rec.event is None
    assert "not MessagePack" in rec.error
    assert "invalid opcode" in rec.error


@pytest.mark.parametrize(
    ("value", "headers", "why"),
    [
        (b"garbage", [], "not MessagePack (7 bytes starting 67 61 72"),
        (b"garbage", [], "trailing characters"),
        (b"", [], "the value is empty"),
        (msgspec.msgpack.encode([1, 2]), [], "a MessagePack list, not an event map"),
        (msgspec.msgpack.encode(7), [], "a MessagePack int, not an event map"),
        (
            msgspec.msgpack.encode({"type": "mystery"}),
            [],
            "event type 'mystery' is not one of carry.clock's: tick",
        ),
        (
            msgspec.msgpack.encode({"type": "tick", "run_id": 1}),
            [],
            "event 'tick' does not fit its schema: Expected `str`, got `int` - at `$.run_id`",
        ),
        (b"\x80", [("carry-stamp", b"\xa3abc")], "header carry-stamp is not a list of integers"),
        (b"\x80", [("carry-stamp", msgspec.msgpack.encode([1, 2]))], "not triples"),
    ],
)
def test_the_real_decode_error_is_named(value: bytes, headers: list, why: str) -> None:
    rec = decode_record("carry.clock", 0, 0, b"r", value, headers)
    assert rec.event is None
    assert why in rec.error


def test_gate_holds_a_record_until_its_causal_past_is_released() -> None:
    gate = CausalGate()
    gate.assign(("carry.market", 0), 0)
    gate.assign(("carry.positions.snapshots", 0), 0)
    # market 1 was produced after snapshot 0 was consumed: it must wait for it.
    gate.add(_rec("carry.market", 0))
    gate.add(_rec("carry.market", 1, _dep("carry.positions.snapshots", 0)))
    assert [r.offset for r, _ in gate.ready()] == [0]
    gate.add(_rec("carry.positions.snapshots", 0))
    released = [(r.topic, r.offset) for r, _ in gate.ready()]
    assert released == [("carry.positions.snapshots", 0), ("carry.market", 1)]
    assert gate.next == {("carry.market", 0): 2, ("carry.positions.snapshots", 0): 1}


def test_gate_ignores_dependencies_on_partitions_it_does_not_read() -> None:
    gate = CausalGate()
    gate.assign(("carry.market", 0), 0)
    gate.add(_rec("carry.market", 0, _dep("carry.risk", 99) + _dep("carry.market", 5, 1)))
    assert len(gate.ready()) == 1


def test_gate_recovers_everything_below_the_boundary_first_and_flags_it() -> None:
    gate = CausalGate()
    gate.assign(("a", 0), 0, boundary=2)
    gate.assign(("b", 0), 0, boundary=1)
    assert gate.recovering
    # b1 (live) is causally independent of a1, but recovery comes first; a1's
    # dependency on b1 lies beyond the boundary, so during recovery it does not count.
    gate.add(_rec("b", 0))
    gate.add(_rec("b", 1))
    gate.add(_rec("a", 0))
    gate.add(_rec("a", 1, [topic_id("b"), 0, 1]))
    out = [(r.topic, r.offset, live) for r, live in gate.ready()]
    assert out == [("a", 0, False), ("a", 1, False), ("b", 0, False), ("b", 1, True)]
    assert not gate.recovering


def test_gate_drops_records_it_already_released_and_skips_gaps() -> None:
    gate = CausalGate()
    gate.assign(("a", 0), 0, boundary=5)
    gate.add(_rec("a", 0))
    assert len(gate.ready()) == 1
    gate.add(_rec("a", 0))  # fetched again after a rebalance
    assert gate.ready() == []
    gate.advance(("a", 0), 5)  # offsets 1..4 hold no records (e.g. markers)
    assert not gate.recovering


def test_gate_says_when_a_partition_buffer_is_full() -> None:
    gate = CausalGate(max_buffer=2)
    gate.assign(("a", 0), 0)
    gate.assign(("b", 0), 0)
    for i in range(2):
        gate.add(_rec("a", i, _dep("b", 0)))
    assert gate.full(("a", 0))
    assert gate.ready() == []
