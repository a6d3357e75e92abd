"""`carry sweep --bus kafka://...`: every configuration a run on processes already
serving (two per kind, sharing the runs through their groups); same rows as in-process."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from services.cli.main import main
from services.config.run import ACTORS_BY_STRATEGY
from services.runtime.kafka.url import KafkaUrl
from tests.kafka.helpers import Served

GRID = ["--grid", "capital=100000,250000", "--grid", "rebalance=true,false"]


def test_a_sweep_on_kafka_gives_the_rows_of_the_in_process_sweep(
    url: KafkaUrl, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    args = ["sweep", "--mode", "btc_basis", "--set", "end=2024-01-05", "--quiet", *GRID]
    assert main([*args, "--out", str(tmp_path / "memory")]) == 0
    kinds = [k for k in ACTORS_BY_STRATEGY["basis"] if k != "recorder"]
    first = Served(url, kinds, tmp_path)
    second = Served(url, kinds, tmp_path / "second")
    (tmp_path / "second").mkdir()
    first.start_all()
    for kind in kinds:  # a second process per kind, its own member of the kind's group
        second.start(kind, instance="1")
    try:
        code = main([*args, "--out", str(tmp_path / "kafka"), "--bus", str(url), "--jobs", "4"])
    finally:
        first.stop()
        second.stop()
    assert code == 0
    memory = pq.read_table(tmp_path / "memory" / "sweep.parquet")
    kafka = pq.read_table(tmp_path / "kafka" / "sweep.parquet")
    assert kafka.to_pylist() == memory.to_pylist()
    assert all(r["error"] is None for r in kafka.to_pylist())
