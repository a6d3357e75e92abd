"""`carry data fetch`: OHLCV, mark-price and funding history through the venue adapters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anyio

from services.adapters.cex import CexAdapter
from services.adapters.history import KINDS, fetch_history
from services.config.live import LiveVenue
from services.config.modes import parse_time
from services.errors import ConfigError
from services.live.secrets import Secrets, read_secrets
from services.live.venues_file import load_venues_file


def add_fetch(
    dsub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry data fetch`."""
    fetch = dsub.add_parser(
        "fetch", parents=[common], help="download history through ccxt into a data folder's layout"
    )
    fetch.add_argument("--venue", required=True, help="binance, bybit or okx")
    fetch.add_argument("--symbol", required=True, help="e.g. BTCUSDT")
    fetch.add_argument("--kind", required=True, choices=KINDS)
    fetch.add_argument("--start", required=True, help="first hour (date or ISO time, UTC)")
    fetch.add_argument("--end", required=True, help="end of the window (exclusive)")
    fetch.add_argument("--data", required=True, help="the data folder to write into")
    fetch.add_argument(
        "--venues",
        metavar="FILE",
        help="venues file naming the venue's api_url (and keys); default: the exchange itself",
    )
    fetch.set_defaults(handler=_fetch)


def _adapter(args: argparse.Namespace) -> CexAdapter:
    if args.venues:
        venues = load_venues_file(Path(args.venues)).venues
        if args.venue not in venues:
            raise ConfigError(
                f"venue {args.venue} is not in {args.venues}", "add it or drop --venues"
            )
        spec = venues[args.venue]
        return CexAdapter(args.venue, spec, read_secrets(args.venue, spec))
    return CexAdapter(args.venue, LiveVenue(exchange=args.venue), Secrets())


def _fetch(args: argparse.Namespace) -> int:
    start, end = parse_time("--start", args.start), parse_time("--end", args.end)
    if end <= start:
        raise ConfigError(f"--end {args.end} is not after --start {args.start}", "swap them")
    adapter = _adapter(args)

    async def run() -> tuple[Path, int]:
        try:
            return await fetch_history(
                adapter, args.symbol.upper(), args.kind, start, end, Path(args.data)
            )
        finally:
            await adapter.close()

    path, rows = anyio.run(run)
    sys.stdout.write(f"{rows} rows written to {path}\n")
    return 0
