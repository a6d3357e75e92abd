"""Scaled groups: two processes of one kind share its partitions next to a running run.

A member that joins or leaves mid-run makes the group rebalance once; the members take
over the partitions they are given in place (no restart, no chain of rebalances), and
the run completes with the in-process results.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import anyio
import msgspec
import pytest

from services.launcher.kafka_run import run_on_kafka
from services.recorder.results import write_results
from services.runtime.kafka.client import partition_for
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from tests.kafka.helpers import CARRY, btc_config, differing, memory_results, stop_processes

pytestmark = pytest.mark.timeout(300)

DOUBLED = ("strategy", "position_monitor")
MAX_ASSIGNMENTS = 4
"""Assignments a member may take in this test: its first one, one when the second
member joins, one when it leaves, and one to spare (a livelock takes dozens)."""


def _serve(url: KafkaUrl, kind: str, instance: str, logs: Path) -> subprocess.Popen[bytes]:
    with (logs / f"{kind}-{instance}.log").open("ab") as out:
        cmd = [*CARRY, "--log-level", "info", "--log-format", "json", "serve", kind]
        cmd += ["--bus", str(url), "--instance", instance]
        return subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)


def _events(log: Path, name: str) -> list[dict[str, object]]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == name:
                found.append(record)
    return found


async def test_two_processes_of_a_kind_join_and_leave_mid_run_without_livelock(
    url: KafkaUrl, tmp_path: Path
) -> None:
    url = parse_kafka_url(str(url).replace("partitions=3", "partitions=4"))
    # A run in the upper half of the partitions: range assignment gives those to the
    # second member (instance "1" sorts after "0"), so the run's state has to move.
    config = btc_config(30)
    while partition_for(config.run_id, url.partitions) < url.partitions // 2:
        config = msgspec.structs.replace(config, run_id=f"{config.run_id}x")
    expected = await memory_results(config, tmp_path / "memory")
    kinds = [k for k in config.actors if k != "recorder"]
    procs = [_serve(url, kind, "0", tmp_path) for kind in kinds]
    seconds: list[subprocess.Popen[bytes]] = []
    left: list[int] = []
    # Start the second members of the doubled kinds a third of the way in, stop them
    # two thirds of the way in: partitions move to them and back while the run goes on.
    joined_at, left_at = config.steps // 3, 2 * config.steps // 3

    def progress(done: int, total: int) -> None:
        if done >= joined_at and not seconds:
            seconds.extend(_serve(url, kind, "1", tmp_path) for kind in DOUBLED)
        if done >= left_at and seconds and not left and _all_assigned(tmp_path, "1"):
            left.append(done)
            for proc in seconds:
                proc.send_signal(signal.SIGTERM)

    try:
        with anyio.fail_after(240):
            rec = await run_on_kafka(config, url, attach=True, progress=progress)
        write_results(tmp_path / "kafka", rec, config)
        assert differing(expected, tmp_path / "kafka") == []
        assert left, "the second members never joined and left within the run"
    finally:
        codes = stop_processes(*procs, *seconds)
    assert set(codes) == {0}, codes
    _check_logs(tmp_path)


def _all_assigned(logs: Path, instance: str) -> bool:
    return all(_events(logs / f"{kind}-{instance}.log", "partitions_assigned") for kind in DOUBLED)


def _check_logs(logs: Path) -> None:
    for log in sorted(logs.glob("*.log")):
        assignments = _events(log, "partitions_assigned")
        assert 1 <= len(assignments) <= MAX_ASSIGNMENTS, (log.name, len(assignments))
        assert not _events(log, "restarting_to_recover"), log.name
    for kind in DOUBLED:
        # the second member took the run's partitions over and rebuilt the run there
        taken = [a["taken_on"] for a in _events(logs / f"{kind}-1.log", "partitions_assigned")]
        assert any(int(str(t)) > 0 for t in taken), (kind, taken)
        moved = _events(logs / f"{kind}-0.log", "runs_moved_to_another_member")
        assert moved, f"{kind}: the run never moved to the second member"
