"""The results folder: summary.json and the Parquet tables, written all or nothing."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.pnl import COMPONENTS, SEASONAL_REWARDS_ESTIMATED
from services.config.run import RunConfig
from services.errors import CarryError
from services.market_data.frame import market_frame
from services.market_data.plan import price_proxies
from services.outputs.swap import replace_folder
from services.recorder.actor import Recorder
from services.recorder.metrics import compute_metrics, drawdowns, monthly_returns
from services.recorder.notes import apy, data_notes, reward_notes
from services.recorder.tables import SCHEMA_VERSION, TABLES, to_arrow
from services.recorder.unhedged import after_liquidations
from services.reports.tearsheet import render_report
from services.signals.file import signal_notes

HOURS_PER_YEAR = 24 * 365
MARK_NOTE = (
    "no mark-price series exists: perps are marked, and funding is paid, at the perp's "
    "own hourly close at the settlement step"
)
VM_NOTE = (
    "perp P&L is settled into the venue's USDT balance every step (variation margin), so "
    "margin ratio = balance / notional equals (balance + unrealised P&L) / notional"
)


def iso(ns: int) -> str:
    """ISO-8601 UTC of int ns."""
    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_of(rec: Recorder, config: RunConfig) -> dict[str, Any]:
    """The run's summary (plain data, deterministic key order)."""
    last = rec.last
    if last is None:
        raise CarryError("the run produced no P&L report", "check the logs of the run")
    steps = len(rec.equity["step"])
    initial, final = last.initial_equity, last.equity
    years = steps / HOURS_PER_YEAR
    attribution = {name: last.attribution.get(name, 0.0) for name in COMPONENTS}
    estimated = attribution[SEASONAL_REWARDS_ESTIMATED]
    equity = np.asarray(rec.equity["equity"], dtype=np.float64)
    times = np.asarray(rec.equity["time"], dtype=np.int64)
    ratios = [r for r in rec.risk["worst_margin_ratio"] if r is not None]
    factors = [h for h in rec.risk["health_factor"] if h is not None]
    frame = market_frame(config) if config.live is None else None  # live: no data folder
    fills = rec.fills if frame is None else frame.fill_counts
    notes = [MARK_NOTE, VM_NOTE] if config.strategy == "basis" else []
    if config.data.synthetic:
        notes.insert(0, "synthetic sample data: results say nothing about real markets")
    drops = [
        {**r, "time": iso(r["time"]), "figures": f}
        for r, f in zip(_rows(rec.rewards), rec.reward_figures, strict=True)
    ]
    notes += reward_notes(config, drops)
    if frame is not None:
        notes += data_notes(frame.fill_counts, frame.repairs)
    notes += signal_notes(config)
    if estimated:
        notes.append(
            f"estimated season airdrops credited {estimated:,.6g} {config.share_class} "
            f"({SEASONAL_REWARDS_ESTIMATED}); apy_without_estimated_rewards takes their "
            "credited value out of the final equity"
        )
    return {
        "mode": config.mode,
        "start": iso(config.start_ns),
        "end": iso(config.start_ns + steps * config.step_ns),
        "share_class": config.share_class,
        "initial_equity": initial,
        "final_equity": final,
        "pnl_total": last.pnl_total,
        "apy": apy(initial, final, years),
        "apy_without_estimated_rewards": apy(initial, final - estimated, years),
        "attribution": attribution,
        "attribution_sum": math.fsum(attribution.values()),
        "reconciliation_error": abs(last.pnl_total - math.fsum(attribution.values())),
        "max_step_reconciliation_error": max(rec.equity["reconciliation_error"], default=0.0),
        "liquidations": [{**liq, "time": iso(liq["time"])} for liq in rec.liquidations],
        "after_liquidation": after_liquidations(rec, config),
        "rejected_orders": len(rec.rejections),
        "position_refreshes": rec.refreshes,
        "discrepancies": [{**d, "time": iso(d["time"])} for d in rec.discrepancies],
        "halts": [{**h, "time": iso(h["time"])} for h in rec.halts],
        "trades": len(rec.trades["step"]),
        "max_drawdown": float(np.max(drawdowns(equity))) if len(equity) else 0.0,
        "metrics": compute_metrics(equity),
        "monthly_returns": monthly_returns(times, equity),
        "worst_margin_ratio": min(ratios) if ratios else None,
        "worst_health_factor": min(factors) if factors else None,
        "reward_drops": drops,
        "steps": steps,
        "events": sum(rec.counts.values()),
        "events_by_topic": dict(sorted(rec.counts.items())),
        "data_source": config.data.description,
        "price_proxies": price_proxies(config),
        "filled_values": dict(sorted(fills.items())),
        "notes": notes,
        "params": config.params,
    }


def _rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def file_metadata(config: RunConfig) -> dict[str, str]:
    """Metadata every Parquet file of the run carries."""
    return {
        "carry.run_id": config.run_id,
        "carry.mode": config.mode,
        "carry.share_class": config.share_class,
        "carry.schema_version": SCHEMA_VERSION,
    }


def _equity_columns(rec: Recorder) -> dict[str, list[Any]]:
    """The P&L rows joined, by step, with the final exposure of the same step."""
    at = {step: i for i, step in enumerate(rec.exposure["step"])}
    rows = [at.get(step) for step in rec.equity["step"]]
    net, gross = rec.exposure["net_delta_value"], rec.exposure["gross"]
    return {
        **rec.equity,
        "net_delta_value": [None if i is None else net[i] for i in rows],
        "gross_exposure": [None if i is None else gross[i] for i in rows],
    }


def arrow_tables(rec: Recorder, config: RunConfig) -> dict[str, pa.Table]:
    """Every results table with its declared schema and the run's metadata."""
    meta = file_metadata(config)
    columns = {**rec.tables, "equity": _equity_columns(rec)}
    return {name: to_arrow(name, columns[name], meta) for name in TABLES}


def _json(data: Any) -> bytes:
    return msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n"


def write_results(out_dir: Path, rec: Recorder, config: RunConfig) -> dict[str, Any]:
    """Write the results folder atomically: a complete folder or none at all.

    The folder is readable by others (0755, files 0644). `out_dir` may replace only a
    results folder Carry wrote, and never lies in or around the run's data folder
    (`services.outputs`).

    Returns:
        The summary.

    Raises:
        OutputError: `out_dir` may not be written, or writing it failed.
    """
    summary = summary_of(rec, config)

    def fill(folder: Path) -> None:
        folder.chmod(0o755)
        (folder / "summary.json").write_bytes(_json(summary))
        (folder / "config.json").write_bytes(_json(_public_config(config)))
        tables = arrow_tables(rec, config)
        for name, table in tables.items():
            pq.write_table(table, folder / f"{name}.parquet")
        report = render_report(tables, summary, config)
        (folder / "report.html").write_text(report, encoding="utf-8")
        for path in folder.iterdir():
            path.chmod(0o644)

    replace_folder(out_dir, fill, data=Path(config.data.path))
    return summary


def _public_config(config: RunConfig) -> dict[str, Any]:
    return dict(msgspec.to_builtins(config))
