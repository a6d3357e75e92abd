"""Carry's full btc_basis next to NautilusTrader on the same hourly BTCUSDT bars.

Both run 2024-01-01 .. 2025-09-01, each in a fresh process, alternating, `--repeat`
times; the medians are printed with the ratio. Two figures each, compared like with
like:
- process: wall time of the whole process (interpreter start, imports, loading the
  data, the run, writing the results), measured from outside;
- engine: the simulation loop alone (Carry: every actor on the MemoryBus, from the
  first tick to the last P&L report; NautilusTrader: `engine.run`).
Carry loads and grids five series (spot, two perps, two funding series) and writes
its results folder (Parquet tables, summary, report.html); NautilusTrader loads the
Binance perp bars, holds a one-BTC short and writes its account, position and fill
reports. NautilusTrader sees the file's bars (hours missing from the file are not
there); Carry steps every hour of the window.
Carry runs twice: from this checkout (the editable install, pure Python) and as
`pip install .` installs it (its wheel, hot modules compiled by mypyc; bench/compiled.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.compiled import build

ROOT = Path(__file__).resolve().parent.parent
WINDOW = ("2024-01-01", "2025-09-01")
PHASES = ("import_s", "load_s", "run_s", "write_s")
"""Carry's phases inside its process (bench/carry_phases.py)."""
SETS = [f"start={WINDOW[0]}", f"end={WINDOW[1]}", "hedge_allocation={binance=0.5,bybit=0.5}"]


def _timed(cmd: list[str], tree: Path = ROOT) -> tuple[float, dict[str, float]]:
    """Wall time of the process, and its printed phases plus `cpu_s`, its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tree, env=env).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = dict(json.loads(out.strip().splitlines()[-1]))
    phases["cpu_s"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, phases


def carry(data: str, out: Path, tree: Path = ROOT) -> tuple[float, dict[str, float]]:
    """One Carry backtest process (the code in `tree`): its wall time and its phases."""
    cmd = [sys.executable, str(ROOT / "bench" / "carry_phases.py"), "btc_basis", "--data", data]
    cmd += ["--out", str(out)]
    for s in SETS:
        cmd += ["--set", s]
    return _timed(cmd, tree)


def nautilus(python: str, data: str, out: Path) -> tuple[float, dict[str, float]]:
    """One NautilusTrader process: its wall time and its phases."""
    cmd = [python, str(ROOT / "bench" / "nautilus_hold.py"), "--data", data, "--out", str(out)]
    cmd += ["--start", WINDOW[0], "--end", WINDOW[1]]
    return _timed(cmd)


def main() -> None:
    """Alternate the two, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("CARRY_DATA"))
    parser.add_argument("--nautilus-python", default=str(ROOT / ".bench-venv" / "bin" / "python"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-compiled", action="store_true", help="skip Carry installed from its wheel (mypyc)"
    )
    args = parser.parse_args()
    if not args.data:
        parser.error("the comparison needs the real data: --data or CARRY_DATA")
    data = str(Path(args.data).resolve())
    trees = {"carry": ROOT}
    if not args.no_compiled:
        trees["mypyc"] = build(ROOT / ".bench-build")
    runs: dict[str, list[tuple[float, dict[str, float]]]] = {k: [] for k in [*trees, "nautilus"]}
    with tempfile.TemporaryDirectory(prefix="carry-versus-") as tmp:
        for i in range(args.repeat):
            for name, tree in trees.items():
                runs[name].append(carry(data, Path(tmp) / f"{name}-{i}", tree))
            runs["nautilus"].append(nautilus(args.nautilus_python, data, Path(tmp) / f"nt-{i}"))
    steps = int(runs["carry"][0][1]["steps"])
    bars = int(runs["nautilus"][0][1]["bars"])

    def med(who: str, what: str) -> float:
        return statistics.median(w if what == "wall" else p[what] for w, p in runs[who])

    cols = ("wall", "cpu_s", "run_s", "run_cpu_s")
    n = {k: med("nautilus", k) for k in cols}
    print(
        f"btc_basis {WINDOW[0]} .. {WINDOW[1]}, medians of {args.repeat} alternating runs"
        f"\n{'':<36}{'process':>9}{'(CPU)':>8}{'engine':>9}{'(CPU)':>8}{'us/step':>9}"
    )
    rows = [(f"NautilusTrader ({bars:,} bars)", n, bars)]
    labels = {"carry": "Carry, editable", "mypyc": "Carry, wheel (mypyc)"}
    rows += [(f"{labels[k]} ({steps:,} steps)", {c: med(k, c) for c in cols}, steps) for k in trees]
    for name, f, count in rows:
        print(
            f"{name:<36}{f['wall']:>8.2f}s{f['cpu_s']:>7.2f}s{f['run_s']:>8.3f}s"
            f"{f['run_cpu_s']:>7.3f}s{f['run_s'] / count * 1e6:>9.1f}"
        )
    for name, f, _ in rows[1:]:
        ratios = [f[k] / n[k] for k in cols] + [(f["run_s"] / steps) / (n["run_s"] / bars)]
        print(
            f"{'ratio ' + name.split(' (')[0] + ' / NT':<36}{ratios[0]:>8.2f}x{ratios[1]:>7.2f}x"
            f"{ratios[2]:>8.2f}x{ratios[3]:>7.2f}x{ratios[4]:>8.2f}x"
        )
    for key in trees:
        phases = " ".join(f"{k.removesuffix('_s')} {med(key, k):.2f}s" for k in PHASES)
        print(f"{labels[key]} phases: {phases}")
    print(
        "process: interpreter start, imports, data loading, the run, writing results "
        "(Carry: 5 series in, results folder out; NautilusTrader: 1 CSV in, 3 reports out)"
        "\nengine: Carry's actors on the MemoryBus, first tick to last P&L; "
        "NautilusTrader's engine.run"
    )


if __name__ == "__main__":
    main()
