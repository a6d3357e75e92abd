"""Past runs under a results root: what `carry runs` lists and `carry compare` reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

from services.errors import ConfigError
from services.outputs.marker import is_results_folder


class Run(NamedTuple):
    """One results folder: where, when, and its summary and config."""

    path: Path
    written: str
    summary: dict[str, Any]
    config: dict[str, Any]


def is_run(folder: Path) -> bool:
    """True for a complete results folder Carry wrote (its marker, config and summary)."""
    return is_results_folder(folder) and (folder / "summary.json").is_file()


def load_run(folder: Path) -> Run:
    """Read a results folder.

    Raises:
        ConfigError: `folder` is not a results folder or its files are unreadable.
    """
    if not is_run(folder):
        raise ConfigError(
            f"{folder} is not a results folder Carry wrote",
            "name a folder carry backtest wrote (carry runs lists them)",
        )
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        mtime = (folder / "summary.json").stat().st_mtime
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read results folder {folder}: {e}", "run it again") from e
    written = dt.datetime.fromtimestamp(int(mtime), tz=dt.UTC).strftime("%Y-%m-%d %H:%M")
    return Run(folder, written, summary, config)


def find_runs(root: Path) -> list[Run]:
    """Results folders at `root` and one level below it, newest first.

    Raises:
        ConfigError: `root` is not a folder.
    """
    if not root.is_dir():
        raise ConfigError(f"results root {root} is not a folder", "pass the folder runs are under")
    folders = [root] if is_run(root) else []
    folders += sorted(p for p in root.iterdir() if is_run(p))
    runs = [load_run(p) for p in folders]
    return sorted(runs, key=lambda r: (r.written, str(r.path)), reverse=True)


FIGURES: tuple[tuple[str, str], ...] = (
    ("final equity", "final_equity"),
    ("P&L", "pnl_total"),
    ("APY", "apy"),
    ("Sharpe", "metrics.sharpe"),
    ("Sortino", "metrics.sortino"),
    ("Calmar", "metrics.calmar"),
    ("volatility", "metrics.volatility"),
    ("max drawdown", "max_drawdown"),
    ("drawdown hours", "metrics.max_drawdown_duration"),
    ("liquidations", "liquidations"),
    ("trades", "trades"),
    ("worst margin", "worst_margin_ratio"),
    ("worst HF", "worst_health_factor"),
)
"""Key figures of a summary, `(label, dotted path)`."""
PERCENT = {"apy", "metrics.volatility", "max_drawdown"}


def figure(summary: dict[str, Any], path: str) -> Any:
    """A summary value by dotted path (a list counts its items); None when absent."""
    value: Any = summary
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return len(value) if isinstance(value, list) else value


def show(value: Any, path: str = "") -> str:
    """A figure as text."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if path in PERCENT:
        return f"{value:.2%}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"


def window(summary: dict[str, Any]) -> str:
    """`start .. end` as dates."""
    return f"{summary['start'][:10]} .. {summary['end'][:10]}"
