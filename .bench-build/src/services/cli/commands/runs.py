"""`carry runs [ROOT]`: past runs under a results root, newest first."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.reports.runs import figure, find_runs, show, window


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry runs`."""
    runs = sub.add_parser(
        "runs", parents=[common], help="list past runs: mode, window, key figures, when, where"
    )
    runs.add_argument("root", nargs="?", default="results", help="results root (default results)")
    runs.add_argument("--json", action="store_true", help="one JSON object per run, per line")
    runs.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List the runs."""
    runs = find_runs(Path(args.root))
    if args.json:
        for r in runs:
            s = r.summary
            record = {
                "path": str(r.path),
                "written": r.written,
                "mode": s["mode"],
                "start": s["start"],
                "end": s["end"],
                "share_class": s["share_class"],
                "final_equity": s["final_equity"],
                "apy": s["apy"],
                "sharpe": figure(s, "metrics.sharpe"),
                "max_drawdown": s["max_drawdown"],
                "liquidations": len(s["liquidations"]),
            }
            sys.stdout.write(json.dumps(record) + "\n")
        return 0
    if not runs:
        sys.stdout.write(f"no runs under {args.root}\n")
        return 0
    head = (
        "written (UTC)",
        "mode",
        "window",
        "final equity",
        "APY",
        "Sharpe",
        "max DD",
        "liq",
        "where",
    )
    rows = [
        (
            r.written,
            r.summary["mode"],
            window(r.summary),
            f"{r.summary['final_equity']:,.2f} {r.summary['share_class']}",
            show(r.summary["apy"], "apy"),
            show(figure(r.summary, "metrics.sharpe")),
            show(r.summary["max_drawdown"], "max_drawdown"),
            str(len(r.summary["liquidations"])),
            str(r.path),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    for row in (head, *rows):
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        sys.stdout.write("\n")
    return 0
