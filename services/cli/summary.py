"""The summary table printed after a backtest."""

from __future__ import annotations

from typing import Any

from services.recorder.notes import without_estimates
from services.recorder.unhedged import unhedged_text


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _unhedged_hours(summary: dict[str, Any]) -> str:
    hours = sum(u["unhedged_hours"] for u in summary.get("after_liquidation", []))
    return f" ({hours:,} h of it unhedged after a liquidation)" if hours else ""


def format_summary(summary: dict[str, Any], out_dir: str, wall_s: float) -> str:
    """A plain-text table of the run's key figures."""
    cls = summary["share_class"]
    lines = [
        f"mode          {summary['mode']}  ({summary['start']} .. {summary['end']}, "
        f"{summary['steps']} steps)",
        f"data          {summary['data_source']}",
        f"equity        {_money(summary['initial_equity'])} -> "
        f"{_money(summary['final_equity'])} {cls}",
        f"P&L           {_money(summary['pnl_total'])} {cls}   APY {summary['apy']:.2%}"
        f"{without_estimates(summary)}{_unhedged_hours(summary)}   "
        f"max drawdown {summary['max_drawdown']:.2%}",
    ]
    lines += [f"unhedged      {line}" for line in unhedged_text(summary).splitlines()]
    lines.append("attribution")
    lines += [
        f"  {name:<20}{_money(value):>18}"
        for name, value in summary["attribution"].items()
        if value
    ]
    lines.append(
        f"  {'sum':<20}{_money(summary['attribution_sum']):>18}   "
        f"reconciliation error {summary['reconciliation_error']:.3g}"
    )
    worst = summary.get("worst_margin_ratio")
    if worst is not None:
        lines.append(f"worst margin  {worst:.3f}")
    hf = summary.get("worst_health_factor")
    if hf is not None:
        lines.append(f"worst HF      {hf:.4f}")
    drops = summary.get("reward_drops", [])
    if drops:
        published = [d for d in drops if not d.get("estimated")]
        total = sum(d["value"] for d in published)
        lines.append(f"reward drops  {len(published)} published worth {_money(total)} {cls}")
        guessed = [d for d in drops if d.get("estimated")]
        if guessed:
            total = sum(d["value"] for d in guessed)
            lines.append(f"              {len(guessed)} estimated worth {_money(total)} {cls}")
    liqs = summary["liquidations"]
    lines.append(f"liquidations  {len(liqs)}")
    lines += [
        f"  {liq['time']} {liq['venue']} {liq['position_key']} loss {_money(liq['loss'])} {cls}"
        for liq in liqs
    ]
    lines.append(
        f"trades        {summary['trades']}   rejected orders {summary['rejected_orders']}"
    )
    if summary.get("position_refreshes"):
        found = summary["discrepancies"]
        lines.append(f"refreshes     {summary['position_refreshes']}   discrepancies {len(found)}")
        lines += [
            f"  {d['time']} {d['key']} expected {d['expected']:,.6f} reported "
            f"{d['reported']:,.6f} difference {d['difference']:,.6f}"
            for d in found
        ]
    for halt in summary.get("halts", []):
        lines.append(f"halted        {halt['time']} {halt['reason']}")
    lines.append(f"events        {summary['events']:,} in {wall_s:.2f} s")
    for note in summary["notes"]:
        lines.append(f"note          {note}")
    lines.append(f"results       {out_dir}")
    lines.append(f"report        {out_dir}/report.html")
    return "\n".join(lines) + "\n"
