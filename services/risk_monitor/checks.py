"""Risk checks on an exposure report."""

from __future__ import annotations

from schemas.exposure import ExposureReport
from schemas.risk import REBALANCE, REDUCE, Breach, VenueMargin
from services.cex_venue.margin import TierTable
from services.valuation.keys import parse_key


def venue_margins(
    report: ExposureReport, tables: dict[str, dict[str, TierTable]]
) -> list[VenueMargin]:
    """Margin of every CEX venue account holding a perp or USDT, sorted by venue."""
    accounts: dict[str, list[float]] = {}
    """Per venue: USDT balance, perp notional, maintenance."""
    for h in report.holdings:
        key = parse_key(h.key)
        symbols = tables.get(key.venue)
        if symbols is None:
            continue
        kind = key.kind
        perp = kind == "Perp"
        if not perp and (kind != "BaseToken" or key.symbol != "USDT"):
            continue
        account = accounts.get(key.venue)
        if account is None:
            account = accounts[key.venue] = [0.0, 0.0, 0.0]
        if perp:
            account[1] += h.notional
            account[2] += symbols[key.symbol].maintenance(h.notional)
        else:
            account[0] += h.amount
    out = []
    for venue in sorted(accounts):
        b, n, mm = accounts[venue]
        out.append(
            VenueMargin(
                venue=venue,
                balance=b,
                notional=n,
                ratio=b / n if n else 0.0,
                maintenance=mm,
                initial=2.0 * mm,
            )
        )
    return out


def margin_breaches(margins: list[VenueMargin], warn: float, reduce: float) -> list[Breach]:
    """CEX margin: below maintenance -> liquidation, < reduce -> reduce, < warn -> warn."""
    out: list[Breach] = []
    for m in margins:
        if not m.notional:
            continue
        if m.balance < m.maintenance:
            out.append(
                Breach(
                    check="cex_margin",
                    level="liquidation",
                    subject=m.venue,
                    value=m.ratio,
                    threshold=m.maintenance / m.notional,
                )
            )
        if m.ratio < reduce:
            out.append(
                Breach(
                    check="cex_margin",
                    level=REDUCE,
                    subject=m.venue,
                    value=m.ratio,
                    threshold=reduce,
                )
            )
        if m.ratio < warn:
            out.append(
                Breach(
                    check="cex_margin", level="warn", subject=m.venue, value=m.ratio, threshold=warn
                )
            )
    return out


def delta_ratio(report: ExposureReport) -> float:
    """|net delta value| / gross exposure (0 without exposure)."""
    return abs(report.net_delta_value) / report.gross if report.gross > 0.0 else 0.0


def delta_breaches(ratio: float, report_at: float, rebalance_at: float) -> list[Breach]:
    """Delta drift: > report_at -> report, > rebalance_at -> rebalance."""
    out: list[Breach] = []
    if ratio > report_at:
        out.append(
            Breach(check="delta", level="report", subject="net", value=ratio, threshold=report_at)
        )
    if ratio > rebalance_at:
        out.append(
            Breach(
                check="delta", level=REBALANCE, subject="net", value=ratio, threshold=rebalance_at
            )
        )
    return out
