"""`make bench-sweep`: a 24-configuration one-month btc_basis grid, as one `carry sweep`
on 2 processes and as 24 standalone `carry backtest` processes, in the same run.

Prints both wall times (each a whole process, measured from outside), their ratio,
and whether every sweep row equals its standalone run's summary figures bit for bit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from services.sweep.table import figures

CARRY = [sys.executable, "-m", "services.cli.main"]
FIXED = ["start=2024-09-01", "end=2024-10-01"]
GRID = {
    "capital": ["100000", "250000"],
    "target_margin_ratio": ["0.3", "0.4", "0.5"],
    "rebalance": ["true", "false"],
    "hedge_allocation": ["{binance=0.5,bybit=0.5}", "{binance=0.4,bybit=0.3,okx=0.3}"],
}


def _sets(values: list[str]) -> list[str]:
    return [a for v in values for a in ("--set", v)]


def _wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    """Run both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("CARRY_DATA"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not args.data:
        parser.error("the grid runs on the real data: --data or CARRY_DATA")
    data = ["--data", str(Path(args.data).resolve())]
    points = [dict(zip(GRID, combo, strict=True)) for combo in itertools.product(*GRID.values())]
    grid = [a for name, vals in GRID.items() for a in ("--grid", f"{name}={','.join(vals)}")]
    sweeps, alone = [], []
    same = True
    with tempfile.TemporaryDirectory(prefix="carry-sweep-bench-") as tmp:
        for r in range(args.repeat):
            out = Path(tmp) / f"sweep{r}"
            cmd = [*CARRY, "sweep", "--mode", "btc_basis", *data, "--out", str(out), "--quiet"]
            sweeps.append(_wall([*cmd, *_sets(FIXED), *grid, "--jobs", str(args.jobs)]))
            rows = pq.read_table(out / "sweep.parquet").to_pylist()
            total = 0.0
            for i, point in enumerate(points):
                run = Path(tmp) / f"run{r}-{i}"
                cmd = [*CARRY, "backtest", "--mode", "btc_basis", *data, "--out", str(run)]
                sets = FIXED + [f"{k}={v}" for k, v in point.items()]
                total += _wall([*cmd, "--quiet", *_sets(sets)])
                summary = json.loads((run / "summary.json").read_text())
                same &= {k: rows[i][k] for k in figures(summary)} == figures(summary)
            alone.append(total)
    s, a = statistics.median(sweeps), statistics.median(alone)
    print(f"btc_basis {FIXED[0][6:]} .. {FIXED[1][4:]}, {len(points)} configurations")
    print(f"  carry sweep --jobs {args.jobs} (one process)     {s:8.2f} s")
    print(f"  {len(points)} standalone carry backtest processes {a:8.2f} s (sum)")
    print(f"  ratio sweep / standalone                {s / a:8.2f}  (rows equal: {same})")


if __name__ == "__main__":
    main()
