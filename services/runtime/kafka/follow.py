"""The runs a launcher's follower reads: its recorder sees only their records."""

from __future__ import annotations

from services.runtime.kafka.gate import TP


class Following:
    """Runs followed without a consumer group, from where they begin.

    Args:
        run_id: one run only: read just its partition of each topic (None: every
            partition, for the runs added and removed while the follower reads).

    Records of other runs pass the follower by their key, undecoded.
    """

    def __init__(self, run_id: str | None = None) -> None:
        self.one = run_id
        self.keys: set[bytes] = set()
        self.last: dict[bytes, dict[TP, int]] = {}
        """Per followed run: the offset of its last record read, per partition."""
        if run_id is not None:
            self.add(run_id)

    def add(self, run_id: str) -> None:
        """Follow `run_id` from now on (before its `RunStarted` is published)."""
        key = run_id.encode()
        self.keys.add(key)
        self.last.setdefault(key, {})

    def remove(self, run_id: str) -> None:
        """Stop following `run_id`."""
        key = run_id.encode()
        self.keys.discard(key)
        self.last.pop(key, None)

    def last_of(self, run_id: str, tp: TP) -> int | None:
        """Offset of `run_id`'s last record read in `tp` (None: none read)."""
        return self.last.get(run_id.encode(), {}).get(tp)
