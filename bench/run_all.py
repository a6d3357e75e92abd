"""`make bench`: full-window backtests of every mode, plus the bus and codec ceilings.

Each backtest runs in its own process (peak memory is per run). Basis modes run with
`hedge_allocation={binance=0.5,bybit=0.5}` on the full 2024-01-01 -> 2025-09-01 window:
OKX funding starts 2024-05-01 and misses August 2024, so the default three-venue split
cannot cover that window. Staking modes run over what their LST series cover
(2024-06-01 -> 2025-09-01); pure_lending_eth from 2024-01-02 (the hourly WETH/USD oracle
starts an hour into 2024).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from bench.ceilings import codec_events_per_s, memory_bus_events_per_s

FULL = ["start=2024-01-01", "end=2025-09-01"]
TWO_VENUES = "hedge_allocation={binance=0.5,bybit=0.5}"
STAKING = ["start=2024-06-01", "end=2025-09-01"]
RUNS: list[tuple[str, list[str]]] = [
    ("pure_lending_usdt", FULL),
    ("btc_basis", [*FULL, TWO_VENUES]),
    ("eth_basis", [*FULL, TWO_VENUES]),
    ("pure_lending_eth", ["start=2024-01-02", "end=2025-09-01"]),
    ("eth_staking_only", STAKING),
    ("eth_leveraged", STAKING),
    ("usdt_eth_staking_hedged_simple", STAKING),
    ("usdt_eth_staking_hedged_leveraged", STAKING),
]


def _one(mode: str, sets: list[str], data: str | None) -> dict[str, object]:
    cmd = [sys.executable, "-m", "bench.one_run", mode]
    if data:
        cmd += ["--data", data]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.environ.get("CARRY_DATA"))
    args = parser.parse_args()
    if not args.data:
        print("CARRY_DATA is not set: benchmarking on the synthetic sample (its window)")
    print(
        f"{'mode':<34}{'steps':>8}{'run s':>8}{'steps/s':>10}{'events':>10}"
        f"{'events/s':>11}{'load s':>8}{'peak MB':>9}"
    )
    for mode, sets in RUNS:
        sets = sets if args.data else []
        f = _one(mode, sets, args.data)
        print(
            f"{mode:<34}{f['steps']:>8}{f['run_s']:>8}{f['steps_per_s']:>10,}"
            f"{f['events']:>10,}{f['events_per_s']:>11,}{f['load_s']:>8}"
            f"{f['peak_rss_mb']:>9}"
        )
    print(f"data: {f['data']}; basis runs: {TWO_VENUES} (OKX funding does not cover 2024)")
    print(f"MemoryBus ceiling (10-stage relay): {memory_bus_events_per_s():,.0f} events/s")
    print(f"msgspec trigger encode+decode:       {codec_events_per_s():,.0f} events/s")


if __name__ == "__main__":
    main()
