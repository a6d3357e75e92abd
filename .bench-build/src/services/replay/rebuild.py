"""Replay a recorded run: rebuild the ledger, exposure, risk and P&L from its inputs.

The recorded events of every topic except the rebuilt ones are fed, one at a time and
in the record's (causal) order, to the monitors and the recorder on a `MemoryBus`;
after each, the bus is drained, so the monitors see their inputs in an order the live
run could have produced. The rebuilt events must equal the recorded ones, byte for
byte, and the recorder's tables then equal the original run's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from schemas.base import Event
from schemas.control import RunFinished, RunStarted
from schemas.registry import CODECS
from schemas.topics import EXPOSURE, PNL, POSITIONS, RISK
from services.config.run import RunConfig, run_config_from_plain
from services.recorder.actor import Recorder
from services.registry import host
from services.replay.record import RecordError
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.host import ActorHost
from services.runtime.memory import MemoryBus

REBUILT = (POSITIONS, EXPOSURE, RISK, PNL)
"""Topics the replay recomputes instead of feeding."""
MONITORS = ("position_monitor", "exposure_monitor", "risk_monitor", "pnl_monitor")


@dataclass
class Replayed:
    """The outcome of a replay.

    Attributes:
        config: the run's configuration (from its `RunStarted`).
        recorder: the recorder fed with the replay.
        checked: rebuilt events compared, per topic.
        mismatches: how rebuilt and recorded events differ (empty: identical).
    """

    config: RunConfig
    recorder: Recorder
    checked: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)


class _Collect(ActorHost):
    def __init__(self) -> None:
        super().__init__("replay_check", REBUILT, _none)
        self.seen: defaultdict[str, list[Event]] = defaultdict(list)

    def deliver(self, topic: str, event: Event) -> list[Out]:
        if topic in REBUILT:
            self.seen[topic].append(event)
        return []


def _none(ctx: ActorContext) -> Actor:
    raise RuntimeError("a collector hosts no actor")


async def replay(events: list[Out], run_id: str | None = None) -> Replayed:
    """Replay a record (events of one run, causally ordered).

    Raises:
        RecordError: the record has no start or no end, or several runs.
    """
    config = _config(events, run_id)
    bus = MemoryBus()
    kinds = [k for k in MONITORS if k in config.actors]
    for kind in kinds:
        bus.attach(host(kind))
    recorder_host = host("recorder")
    bus.attach(recorder_host)
    collect = _Collect()
    bus.attach(collect)
    recorded: defaultdict[str, list[Event]] = defaultdict(list)
    for topic, event in events:
        if event.run_id != config.run_id:
            continue
        if topic in REBUILT:
            recorded[topic].append(event)
            continue
        await bus.publish(topic, event)
        bus.drain()
    rec = recorder_host.instance(config.run_id)
    if not isinstance(rec, Recorder) or not rec.finished:
        raise RecordError(f"run {config.run_id}: the replay did not finish", "check the record")
    result = Replayed(config=config, recorder=rec)
    for topic in REBUILT:
        got, want = collect.seen.get(topic, []), recorded.get(topic, [])
        result.checked[topic] = len(got)
        diff = _compare(topic, got, want)
        if diff:
            result.mismatches.append(diff)
    return result


def _config(events: list[Out], run_id: str | None) -> RunConfig:
    starts = [e for _, e in events if isinstance(e, RunStarted)]
    if run_id is not None:
        starts = [e for e in starts if e.run_id == run_id]
    if not starts:
        raise RecordError("the record holds no RunStarted", "record or export the run again")
    if len({e.run_id for e in starts}) > 1 or len(starts) > 1:
        raise RecordError(
            f"the record holds {len(starts)} run starts ({', '.join(e.run_id for e in starts)})",
            "export one run; a run id must be used once per bus",
        )
    config = run_config_from_plain(starts[0].config)
    if not any(isinstance(e, RunFinished) and e.run_id == config.run_id for _, e in events):
        raise RecordError(
            f"run {config.run_id} has no RunFinished in the record: it is incomplete",
            "export it after the run has ended",
        )
    return config


def _compare(topic: str, got: list[Event], want: list[Event]) -> str:
    codec = CODECS[topic]
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if codec.encode(a) != codec.encode(b):
            return f"{topic}: event {i} differs: rebuilt {a.event_id}, recorded {b.event_id}"
    if len(got) != len(want):
        return f"{topic}: rebuilt {len(got)} events, recorded {len(want)}"
    return ""
