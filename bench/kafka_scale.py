"""How runs scale on Kafka: N concurrent one-month btc_basis runs on actor processes that
are already serving (one or two processes per kind), and the per-hop latency.

For each setting (processes per kind, partitions per topic; more processes of a kind
than partitions would leave the extra ones idle, so such settings are skipped), the
actor processes are started once (`carry serve KIND --instance I`, each process its own
member of its kind's group) and warmed up: the broker's JVM compiles its hot paths over
the first tens of thousands of records (a cold broker spends twice the CPU per step),
so 8 one-month runs go first, as a broker in service has long done (one run warms each
later setting's new processes). Then 1, 2, 4, 8 and 16 runs are launched at once, read
as `carry sweep --bus` reads them: one follower, each run with its own recorder.
Printed per line: the wall time from the first `RunStarted` until the last run is
complete, the aggregate steps/s, the slowest and fastest run's own steps/s (its steps
over its own first-to-last-step time), and how many runs wrote results byte-identical
to their in-process twins.

Per-hop latency: a step without orders (all but a few dozen of a month's) is a chain of
8 produce-to-consume hops (clock, market data, settlement producers, position monitor,
exposure, risk, strategy, P&L, back to the clock; a step with orders adds the orders and
the final snapshot); a lone run's time per step over 8 is the latency of one hop,
and `bench.kafka_hops` measures each hop from the records' own timestamps and stamps.

Uses `$CARRY_KAFKA` if set, else starts a private broker (KAFKA_HOME=.kafka-scale,
ports 19554/19555) and stops it at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import anyio
import msgspec

from bench.broker import session_broker
from bench.kafka_hops import describe, hop_latencies
from services.cli.commands.backtest import resolve_data
from services.config.run import RunConfig, build_run_config
from services.launcher.follower import shared_follower
from services.launcher.kafka_run import run_on_kafka
from services.launcher.run import run_on_bus
from services.recorder.results import write_results
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from services.runtime.logs import configure_logging
from services.runtime.memory import MemoryBus

HOPS = 8
WINDOW = ["start=2024-09-01", "end=2024-10-01"]
FILES = ("summary.json", "equity.parquet", "positions.parquet", "trades.parquet", "risk.parquet")


class Serving:
    """`carry serve` processes: `per_kind` of every kind, by pid."""

    def __init__(self, url: KafkaUrl, kinds: list[str], per_kind: int, logs: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        for kind in kinds:
            for i in range(per_kind):
                with (logs / f"{kind}-{i}.log").open("ab") as out:
                    cmd = [sys.executable, "-m", "services.cli.main", "--log-level", "warning"]
                    cmd += ["serve", kind, "--bus", str(url), "--instance", str(i)]
                    self.procs.append(
                        subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)
                    )

    def stop(self) -> None:
        """SIGTERM each, then SIGKILL what is left after 30 s."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


SAMPLE_WINDOW = ["start=2024-01-01", "end=2024-01-31"]
"""The same month's length in the synthetic sample (which starts on 2024-01-01)."""


def _config(data: str | None, window: list[str], sample_window: list[str]) -> RunConfig:
    spec, sample = resolve_data(data)
    chosen = window if sample is None else sample_window
    return build_run_config("btc_basis", spec, chosen, None, sample)


async def _runs(url: KafkaUrl, configs: list[RunConfig]) -> tuple[float, list[float], list]:
    """Run `configs` at once; wall time, each run's own steps/s, the recorders."""
    firsts: dict[int, float] = {}
    lasts: dict[int, float] = {}
    recs: dict[int, object] = {}

    async def one(i: int, config: RunConfig) -> None:
        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if done >= 1:
                firsts.setdefault(i, now)
                lasts[i] = now

        recs[i] = await run_on_kafka(config, url, attach=True, progress=progress, follower=follower)

    started = time.perf_counter()
    async with shared_follower(url) as follower, anyio.create_task_group() as tg:
        for i, config in enumerate(configs):
            tg.start_soon(one, i, config)
    wall = time.perf_counter() - started
    steps = configs[0].steps
    rates = [steps / max(lasts[i] - firsts[i], 1e-9) for i in range(len(configs))]
    return wall, rates, [recs[i] for i in range(len(configs))]


def _identical(config: RunConfig, rec: object, tmp: Path) -> bool:
    kafka_dir, memory_dir = tmp / f"k-{config.run_id}", tmp / f"m-{config.run_id}"
    write_results(kafka_dir, rec, config)  # type: ignore[arg-type]
    write_results(memory_dir, anyio.run(run_on_bus, config, MemoryBus(), config.actors), config)
    return all((kafka_dir / f).read_bytes() == (memory_dir / f).read_bytes() for f in FILES)


def main() -> None:
    """Print the scaling table and the per-hop latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("CARRY_DATA"))
    parser.add_argument("--runs", default="1,2,4,8,16")
    parser.add_argument("--per-kind", default="1,2")
    parser.add_argument("--partitions", default="1,4")
    parser.add_argument("--warm-runs", type=int, default=8)
    args = parser.parse_args()
    configure_logging("warning", json=False)
    base = _config(args.data, WINDOW, SAMPLE_WINDOW)
    kinds = [k for k in base.actors if k != "recorder"]
    broker = session_broker("scale", 19554, 19555)
    tmp = Path(tempfile.mkdtemp(prefix="carry-kafka-scale-"))
    print(f"btc_basis one month ({base.steps} steps, {base.data.description}) per run")
    print(
        f"{'procs/kind':>10}{'parts':>6}{'runs':>6}{'wall s':>9}{'steps/s':>9}{'run min':>9}"
        f"{'run max':>9}{'identical':>11}"
    )
    settings = [
        (per_kind, parts)
        for per_kind in [int(x) for x in args.per_kind.split(",")]
        for parts in [int(x) for x in args.partitions.split(",")]
        if per_kind <= parts
    ]
    try:
        for per_kind, parts in settings:
            ns = f"scale{uuid.uuid4().hex[:8]}"
            url = parse_kafka_url(f"kafka://{broker.bootstrap}?partitions={parts}&namespace={ns}")
            serving = Serving(url, kinds, per_kind, tmp)
            try:
                warm = [
                    msgspec.structs.replace(base, run_id=f"warm-{uuid.uuid4().hex[:8]}")
                    # the broker once; later settings only their new processes' caches
                    for _ in range(args.warm_runs if (per_kind, parts) == settings[0] else 1)
                ]
                wall, _, _ = anyio.run(_runs, url, warm)
                print(f"{per_kind:>10}{parts:>6}  warm-up: {len(warm)} runs, {wall:.1f} s")
                for n in [int(x) for x in args.runs.split(",")]:
                    configs = [
                        msgspec.structs.replace(base, run_id=f"scale-{uuid.uuid4().hex[:8]}")
                        for _ in range(n)
                    ]
                    wall, rates, recs = anyio.run(_runs, url, configs)
                    same = sum(_identical(c, r, tmp) for c, r in zip(configs, recs, strict=True))
                    total = n * base.steps / wall
                    print(
                        f"{per_kind:>10}{parts:>6}{n:>6}{wall:>9.2f}{total:>9.1f}{min(rates):>9.1f}"
                        f"{max(rates):>9.1f}{f'{same}/{n}':>11}",
                        flush=True,
                    )
                    if n == 1 and per_kind == 1 and parts == min(p for _, p in settings):
                        hop = 1000.0 / rates[0] / HOPS
                        print(f"{'':>10}per-hop latency {hop:.2f} ms (a lone run's step / {HOPS})")
                        hops = anyio.run(hop_latencies, url, configs[0].run_id)
                        print(f"{'':>10}per hop, from the records' timestamps: {describe(hops)}")
            finally:
                serving.stop()
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
