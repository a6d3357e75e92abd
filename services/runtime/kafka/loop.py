"""One actor kind on Kafka: consume, hand over in causal order, publish, commit.

Loop: `getmany` -> decode (an undecodable record is logged with topic, partition and
offset and set aside on the dead-letter topic) -> causal gate -> the host -> outputs
published with the causal stamp -> positions committed once those outputs are acked.

Recovery is the assignment path: a partition new to the loop (at startup, or taken
over from another member of the group, in place, without a restart) is read from where
its open runs begin. Records below the group's committed offsets are handed over again
with their outputs dropped (they were published before that commit), so the actor's
in-memory state is rebuilt; then the rest is handled live. A live output that was
already published before a crash is published again with the same id and contents,
and consumers drop it (hosts de-duplicate by `event_id`). Runs marked closed (complete
everywhere, see `KafkaBus.close_run`) when the process started are skipped: they need
no state. A partition the group moves to another member is forgotten with the state
of the runs that live there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import structlog
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from services.runtime.actor import Out
from services.runtime.bus import Done
from services.runtime.host import ActorHost
from services.runtime.kafka.client import make_consumer, partition_for, tp
from services.runtime.kafka.follow import Following
from services.runtime.kafka.gate import TP, CausalGate
from services.runtime.kafka.members import client_id
from services.runtime.kafka.publish import Committer, Publisher
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.wire import Causality, Incoming, decode_record
from services.runtime.metrics import Lag, Metrics

MAX_RECORDS = 1000
POLL_MS = 100
REVOKE_COMMIT_S = 5.0
"""Longest a member gives up partitions waiting to commit them (else their new owner
handles the uncommitted tail again, and consumers drop the duplicates)."""
DRAIN_TIMEOUT_S = 10.0
"""Longest a stopping loop waits for its outputs' acknowledgements before leaving."""


Refresh = Callable[[], Awaitable[tuple[dict[TP, int], set[bytes]]]]


class RestartNeeded(Exception):
    """Setting up an assignment failed: the process restarts its bus and recovers."""


class KindLoop:
    """Consumes the topics of one host.

    Args:
        host: the actor host.
        url: the bus.
        publisher: the process's publisher.
        causality: the process's causal knowledge.
        group: consumer group (None: no group, read only the runs `follow` names, from
            the end).
        follow: the runs a follower reads (a launcher's recorder), with no group.
        instance: static member id within the group (one per process of a kind).
        closed: keys of runs complete everywhere when the process started: skipped.
        metrics: the process's counters (None: not counted).
        starts: where each partition begins when first assigned (None: its beginning);
            never above the group's committed offset.
        refresh: reads the run marks again: where each partition begins now and the
            runs closed now (for partitions taken over after the first assignment).
    """

    def __init__(
        self,
        host: ActorHost,
        url: KafkaUrl,
        publisher: Publisher,
        causality: Causality,
        group: str | None,
        follow: Following | None = None,
        instance: str = "0",
        closed: set[bytes] | None = None,
        metrics: Metrics | None = None,
        starts: dict[TP, int] | None = None,
        refresh: Refresh | None = None,
    ) -> None:
        self.host, self.url, self.publisher, self.causality = host, url, publisher, causality
        self.group, self.follow, self.instance = group, follow, instance
        self.closed = closed or set()
        self.metrics = metrics
        self.starts = starts
        self.refresh = refresh
        self.skipped = 0
        self.gate = CausalGate()
        self.consumer: Any = None
        self.committer: Committer | None = None
        self.restart_needed = ""
        self.rebalances = 0
        """Assignments this loop has taken (the first one included)."""
        self.counts: dict[str, int] = {}
        self.handled = 0
        self.deadlettered = 0
        self._paused: set[Any] = set()
        self.joined = anyio.Event()
        """Set once the group first gave this loop its partitions."""
        self.log = structlog.get_logger().bind(actor=host.kind, group=group)

    async def start(self, counts: dict[str, int]) -> None:
        """Create the consumer; join the group, or seek the followed run's partitions.

        Args:
            counts: partitions per topic.
        """
        self.counts = counts
        if self.group is None:
            # A follower (the launcher's recorder) is off the step chain: batch its
            # fetches instead of paying one fetch round trip per record.
            self.consumer = make_consumer(
                self.url,
                None,
                fetch_max_wait_ms=100,
                fetch_min_bytes=1 << 16,
                client_id=client_id(self.instance),
            )
        else:
            self.consumer = make_consumer(
                self.url, self.group, self.instance, client_id=client_id(self.instance)
            )
        await self.consumer.start()
        names = [self.url.topic(t) for t in self.host.topics]
        if self.group is not None:
            self.committer = Committer(self.consumer, self.url, self.host.kind)
            self.consumer.subscribe(names, listener=_Listener(self))
            return
        if self.follow is None:
            raise ValueError("a loop without a group must follow runs")
        one = self.follow.one
        tps = [
            tp(self.url, b, p)
            for b in self.host.topics
            for p in (range(counts[b]) if one is None else [partition_for(one, counts[b])])
        ]
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for atp in tps:
            self.gate.assign(
                (self.url.base(atp.topic), atp.partition), await self.consumer.position(atp)
            )

    async def run(self, done: Done) -> None:
        """Consume until `done()`; then commit what was handled."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.host.jobs.run)
            if self.committer is not None:
                tg.start_soon(self.committer.run)
            while not done():
                await self.step()
            if self.committer is not None:
                # Drain: commit what was handled, but never wait forever for a broker
                # that is gone (the next start recovers from the last commit instead).
                with anyio.move_on_after(DRAIN_TIMEOUT_S) as drain:
                    await self.committer.flush()
                if drain.cancelled_caught:
                    self.log.warning("drain_timed_out", waited_s=DRAIN_TIMEOUT_S)
            tg.cancel_scope.cancel()

    async def step(self) -> int:
        """One poll: fetch, hand over what may go, publish; return records handed over."""
        if self.restart_needed:
            raise RestartNeeded(self.restart_needed)
        await self.publisher.backpressure()
        batch = await self.consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
        follow = None if self.follow is None else self.follow.keys
        for atp, records in batch.items():
            base = self.url.base(atp.topic)
            for r in records:
                if follow is not None and r.key not in follow:
                    # another run's record: it only moves the partition's position on
                    self.gate.add(Incoming(base, atp.partition, r.offset, r.key, None))
                    continue
                self.gate.add(
                    decode_record(base, atp.partition, r.offset, r.key, r.value, r.headers)
                )
        if not batch and self.gate.recovering:
            for (base, partition), _ in list(self.gate.next.items()):
                atp = tp(self.url, base, partition)
                if atp in self.consumer.assignment():
                    self.gate.advance((base, partition), await self.consumer.position(atp))
        released = self.gate.ready()
        futures: list[asyncio.Future[Any]] = []
        for rec, live in released:
            await self._handle(rec, live, futures)
        # Outputs of finished jobs (venue calls of live actors). They follow no record of
        # their own: a crash between a commit and their publication loses them, and a
        # live venue resolves such orders by client order id when it runs again.
        for topic, out in self.host.take():
            stamp = self.causality.stamp(out.run_id)
            futures.append(await self.publisher.send(topic, out, stamp))
        self._pause_full()
        if self.committer is not None and released and not self.gate.recovering:
            self.committer.add(futures, dict(self.gate.next))
        return len(released)

    async def _handle(self, rec: Incoming, live: bool, futures: list[asyncio.Future[Any]]) -> None:
        follow = self.follow
        if follow is not None and rec.key not in follow.keys:
            return
        if rec.key in self.closed:
            self.skipped += 1
            return
        event = rec.event
        if event is None:
            if live:
                self.deadlettered += 1
                if self.metrics is not None:
                    self.metrics.deadletters[self.host.kind] += 1
                self.log.error(
                    "undecodable_record_set_aside",
                    topic=rec.topic,
                    partition=rec.partition,
                    offset=rec.offset,
                    error=rec.error,
                )
                futures.append(await self.publisher.deadletter(rec, self.group, self.host.kind))
            return
        if follow is not None and rec.key is not None:
            if event.run_id.encode() != rec.key:
                return
            follow.last[rec.key][(rec.topic, rec.partition)] = rec.offset
        self.causality.see(event.run_id, rec)
        self.handled += 1
        self.host.jobs.replaying = not live
        if self.metrics is not None:
            self.metrics.handled[self.host.kind] += 1
            if live:
                self.metrics.step_seen(self.host.kind, event.run_id, event.step)
        try:
            outs: list[Out] = self.host.deliver(rec.topic, event)
        except Exception:
            self.log.exception(
                "handler_failed",
                topic=rec.topic,
                partition=rec.partition,
                offset=rec.offset,
                event_id=event.event_id,
                run_id=event.run_id,
            )
            raise
        if outs and live:
            stamp = self.causality.stamp(event.run_id)
            for topic, out in outs:
                futures.append(await self.publisher.send(topic, out, stamp))

    def lags(self) -> list[Lag]:
        """Records between the hand-over position and the end, per assigned partition."""
        out: list[Lag] = []
        for base, partition in self.gate.assigned:
            high = self.consumer.highwater(tp(self.url, base, partition))
            if high is not None:
                lag = max(0, high - self.gate.next[(base, partition)])
                out.append((self.host.kind, base, partition, lag))
        return out

    def _pause_full(self) -> None:
        for base, partition in self.gate.assigned:
            atp = tp(self.url, base, partition)
            full = self.gate.full((base, partition))
            if full and atp not in self._paused:
                self.consumer.pause(atp)
                self._paused.add(atp)
            elif not full and atp in self._paused:
                self.consumer.resume(atp)
                self._paused.discard(atp)

    async def assigned(self, assigned: set[Any]) -> None:
        """Set up a new assignment (a failure restarts the bus: crash-only)."""
        try:
            await self._assigned(assigned)
        except (KafkaError, OSError) as e:
            self.restart_needed = f"setting up the assignment failed: {e!r}"
        self.joined.set()

    async def _assigned(self, assigned: set[Any]) -> None:
        # Partitions this loop held and no longer holds: forget them and the runs that
        # live there (another member reads them now). Partitions new to this loop are
        # taken on in place: each is read from where its open runs begin, the records
        # below the group's committed offset rebuild their runs' state (outputs dropped),
        # and the partitions it kept go on where they were. No restart, so a member
        # joining or leaving costs the group one rebalance, not a chain of them.
        # Everything asynchronous is asked first; the gate and the positions then change
        # with no await in between, so the loop never releases a record while only part
        # of the assignment is known (a dependency on a partition the gate does not know
        # would be ignored).
        # A kept partition that another member advanced meanwhile (this one missed a
        # generation) is taken on afresh too.
        keys = {a: (self.url.base(a.topic), a.partition) for a in assigned}
        committed = {a: await self.consumer.committed(a) for a in assigned}
        held = self.gate.next
        advanced = {
            key for a, key in keys.items() if key in held and (committed[a] or 0) > held[key]
        }
        wanted = set(keys.values()) - advanced
        lost = [key for key in held if key not in wanted]
        fresh = [a for a, key in keys.items() if key not in held or key in advanced]
        if fresh and self.rebalances and self.refresh is not None:
            # Taken over from another member: begin where the runs open now begin.
            self.starts, self.closed = await self.refresh()
        begin = await self.consumer.beginning_offsets(fresh) if fresh else {}
        end = await self.consumer.end_offsets(fresh) if fresh else {}
        if lost:
            self._forget(lost)
        for atp, key in keys.items():
            if key in self.gate.next:
                self.gate.clear(key)
                self.consumer.seek(atp, self.gate.next[key])
        behind = passed = 0
        for atp in fresh:
            first = self._first(keys[atp], begin[atp], end[atp], committed[atp])
            boundary = min(committed[atp] or 0, end[atp])
            self.gate.assign(keys[atp], first, boundary)
            self.consumer.seek(atp, first)
            behind += max(0, boundary - first)
            passed += first - begin[atp]
        self.rebalances += 1
        self.log.info(
            "partitions_assigned",
            partitions=len(assigned),
            taken_on=len(fresh),
            given_up=len(lost),
            recovering=behind,
            skipped_finished=passed,
        )

    def _forget(self, lost: list[TP]) -> None:
        """Stop reading `lost` and drop the state of the runs whose records lie there."""
        gone = set(lost)
        for key in lost:
            self.gate.unassign(key)
            self._paused.discard(tp(self.url, *key))
        counts = self.counts

        def moved(run_id: str) -> bool:
            return any((t, partition_for(run_id, counts[t])) in gone for t in self.host.topics)

        runs = self.host.forget(moved)
        if runs:
            self.log.info("runs_moved_to_another_member", runs=len(runs))

    def _first(self, key: TP, begin: int, end: int, committed: int | None) -> int:
        """The first offset to read: the start the bus found (below it lie only records
        of closed runs), never above what the group committed, never below the log."""
        if self.starts is None or key not in self.starts:
            return begin
        at = self.starts[key] if committed is None else min(self.starts[key], committed)
        return max(begin, min(at, end))

    async def revoked(self, revoked: set[Any]) -> None:
        """Commit what was handled (the member that takes a partition over begins where
        this one ended), then forget buffered records of revoked partitions (they are
        fetched again if they stay here)."""
        if self.committer is not None and revoked:
            owned = {(self.url.base(a.topic), a.partition) for a in revoked}
            with anyio.move_on_after(REVOKE_COMMIT_S):
                await self.committer.flush(owned)
        for atp in revoked:
            self.gate.clear((self.url.base(atp.topic), atp.partition))
            self._paused.discard(atp)

    async def close(self) -> None:
        """Leave the group and close the consumer."""
        if self.consumer is not None:
            await self.consumer.stop()


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: KindLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: set[Any]) -> None:
        await self.loop.revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[Any]) -> None:
        await self.loop.assigned(assigned)
