"""The causal gate: hand consumed records to actors in a causally consistent order.

Records arrive per partition, in offset order; the gate keeps one buffer per partition
and releases a partition's head only once every record in its causal stamp (in a
partition this consumer reads) has been released. It also runs recovery: records
below the group's committed offsets (the boundary) were handled before a restart, so
they are released first, all of them, flagged `live=False` (their outputs were already
published); only then come the records after the boundary, flagged `live=True`.
"""

from __future__ import annotations

from collections import deque

from services.runtime.kafka.wire import Incoming, topic_id

TP = tuple[str, int]
"""(topic constant, partition)."""


class CausalGate:
    """Per-partition buffers released in causal order.

    Args:
        max_buffer: records buffered per partition before `full` says to pause it.
    """

    def __init__(self, max_buffer: int = 5000) -> None:
        self.max_buffer = max_buffer
        self.next: dict[TP, int] = {}
        """Offset of the next record to release, per partition (the commit position)."""
        self.boundary: dict[TP, int] = {}
        self._buf: dict[TP, deque[Incoming]] = {}
        self._by_id: dict[tuple[int, int], TP] = {}
        self._lagging: set[TP] = set()

    def assign(self, tp: TP, start: int, boundary: int = 0) -> None:
        """Read `tp` from offset `start`; records below `boundary` are recovery."""
        self.next[tp] = start
        self.boundary[tp] = max(start, boundary)
        self._buf[tp] = deque()
        self._by_id[(topic_id(tp[0]), tp[1])] = tp
        if start < self.boundary[tp]:
            self._lagging.add(tp)

    @property
    def assigned(self) -> list[TP]:
        """The partitions this gate reads."""
        return list(self.next)

    @property
    def recovering(self) -> bool:
        """True while records below the boundary remain to be released."""
        return bool(self._lagging)

    def unassign(self, tp: TP) -> None:
        """Stop reading `tp` (another member reads it now): forget its position and buffer."""
        self.next.pop(tp, None)
        self.boundary.pop(tp, None)
        self._buf.pop(tp, None)
        self._lagging.discard(tp)
        self._by_id.pop((topic_id(tp[0]), tp[1]), None)

    def clear(self, tp: TP) -> None:
        """Drop `tp`'s buffered records (the consumer will fetch them again from `next`)."""
        if tp in self._buf:
            self._buf[tp].clear()

    def add(self, rec: Incoming) -> None:
        """Buffer a consumed record (ignoring one already released or buffered)."""
        tp = (rec.topic, rec.partition)
        buf = self._buf.get(tp)
        if buf is None or rec.offset < self.next[tp]:
            return
        if buf and rec.offset <= buf[-1].offset:
            return
        buf.append(rec)

    def advance(self, tp: TP, position: int) -> None:
        """The consumer's position in `tp`: skip offsets that hold no record (gaps)."""
        if tp in self.next and not self._buf[tp] and position > self.next[tp]:
            self._moved(tp, position)

    def full(self, tp: TP) -> bool:
        """True if `tp`'s buffer is at its bound (pause fetching it)."""
        return len(self._buf.get(tp, ())) >= self.max_buffer

    def buffered(self) -> int:
        """Records waiting in all buffers."""
        return sum(len(b) for b in self._buf.values())

    def ready(self) -> list[tuple[Incoming, bool]]:
        """Release every record that may go now, in order, each with its `live` flag."""
        out: list[tuple[Incoming, bool]] = []
        progress = True
        while progress:
            progress = False
            for tp, buf in self._buf.items():
                while buf and self._may_go(buf[0], tp):
                    rec = buf.popleft()
                    out.append((rec, rec.offset >= self.boundary[tp]))
                    self._moved(tp, rec.offset + 1)
                    progress = True
        return out

    def _moved(self, tp: TP, position: int) -> None:
        self.next[tp] = position
        if tp in self._lagging and position >= self.boundary[tp]:
            self._lagging.discard(tp)

    def _may_go(self, rec: Incoming, tp: TP) -> bool:
        recovering = bool(self._lagging)
        if recovering and rec.offset >= self.boundary[tp]:
            return False
        deps, by_id, nxt = rec.deps, self._by_id, self.next
        for i in range(0, len(deps), 3):
            dep_tp = by_id.get((deps[i], deps[i + 1]))
            if dep_tp is None:
                continue
            offset = deps[i + 2]
            # During recovery only the recovered prefix counts: the records before the
            # boundary were once handled without what lies beyond it.
            if recovering and offset >= self.boundary[dep_tp]:
                continue
            if nxt[dep_tp] <= offset:
                return False
        return True
