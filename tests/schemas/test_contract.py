"""Golden round trips of every event (msgpack and JSON) and the contract's rules."""

from __future__ import annotations

import gc
import os
import typing
from pathlib import Path

import msgspec
import pytest

from schemas.registry import CODECS
from schemas.triggers import Trigger
from tests.schemas.examples import EXAMPLES

GOLDEN = Path(__file__).parent / "golden"
IDS = [type(event).__struct_config__.tag for _, event in EXAMPLES]


def _members(union: typing.Any) -> set[type]:
    return set(typing.get_args(union)) or {union}


@pytest.mark.parametrize(("topic", "event"), EXAMPLES, ids=IDS)
def test_event_roundtrip_msgpack_and_json_is_identity(topic: str, event: msgspec.Struct) -> None:
    codec = CODECS[topic]
    assert codec.decode(codec.encode(event)) == event
    assert codec.decode_json(codec.encode_json(event)) == event


@pytest.mark.parametrize(("topic", "event"), EXAMPLES, ids=IDS)
def test_event_wire_format_matches_golden_files(topic: str, event: msgspec.Struct) -> None:
    codec = CODECS[topic]
    tag = type(event).__struct_config__.tag
    json_file, pack_file = GOLDEN / f"{tag}.json", GOLDEN / f"{tag}.msgpack"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        json_file.write_bytes(msgspec.json.format(codec.encode_json(event), indent=2) + b"\n")
        pack_file.write_bytes(codec.encode(event))
    assert codec.decode_json(json_file.read_bytes()) == event
    assert codec.decode(pack_file.read_bytes()) == event
    assert codec.encode(event) == pack_file.read_bytes()


def test_examples_cover_every_member_of_every_topic_union() -> None:
    covered = {type(e) for _, e in EXAMPLES}
    for topic, codec in CODECS.items():
        missing = _members(codec.union) - covered
        assert not missing, f"{topic}: no example for {sorted(m.__name__ for m in missing)}"


def test_every_event_has_an_explicit_tag_distinct_from_its_class_name() -> None:
    for _, event in EXAMPLES:
        config = type(event).__struct_config__
        assert isinstance(config.tag, str)
        assert config.tag != type(event).__name__
        assert config.tag_field == "type"
        assert config.frozen


def test_five_triggers_form_one_union() -> None:
    names = {t.__struct_config__.tag for t in _members(Trigger)}
    assert names == {
        "initial_capital",
        "venue_manager",
        "position_refresh",
        "seasonal_rewards",
        "m2m_pnl",
    }


@pytest.mark.parametrize(("topic", "event"), EXAMPLES[:6], ids=IDS[:6])
def test_event_with_unknown_field_still_decodes(topic: str, event: msgspec.Struct) -> None:
    codec = CODECS[topic]
    plain = msgspec.to_builtins(event)
    plain["added_in_a_later_version"] = [1, 2, 3]
    assert codec.decode(msgspec.msgpack.encode(plain)) == event


def test_unknown_tag_is_a_decode_error() -> None:
    codec = CODECS["carry.orders"]
    with pytest.raises(msgspec.ValidationError, match="Invalid value 'bogus'"):
        codec.decode(msgspec.msgpack.encode({"type": "bogus", "run_id": "r"}))


def test_garbage_bytes_are_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        CODECS["carry.market"].decode(b"\xc1\xff\x00garbage")


@pytest.mark.parametrize(("topic", "event"), EXAMPLES, ids=IDS)
def test_events_and_their_parts_are_not_tracked_by_the_cycle_collector(
    topic: str, event: msgspec.Struct
) -> None:
    """Events are trees of immutable values (no cycle can form), so the cycle collector
    skips them: a run allocates hundreds of thousands."""
    decoded = CODECS[topic].decode(CODECS[topic].encode(event))
    structs = [decoded, *_nested_structs(decoded)]
    assert all(not gc.is_tracked(s) for s in structs)


def _nested_structs(value: object) -> list[msgspec.Struct]:
    found: list[msgspec.Struct] = []
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            field = getattr(value, name)
            found += [field] if isinstance(field, msgspec.Struct) else []
            found += _nested_structs(field)
    elif isinstance(value, list | tuple):
        for item in value:
            found += [item] if isinstance(item, msgspec.Struct) else []
            found += _nested_structs(item)
    elif isinstance(value, dict):
        for item in value.values():
            found += _nested_structs(item)
    return found
