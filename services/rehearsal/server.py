"""Start the rehearsal exchanges: one HTTP server per venue, over one clock and market."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from aiohttp import web

from services.config.run import RunConfig
from services.rehearsal.binance.dialect import Binance
from services.rehearsal.book import Book, Injection
from services.rehearsal.bybit.dialect import Bybit
from services.rehearsal.clock import SimClock
from services.rehearsal.dialect import Dialect
from services.rehearsal.market import Market
from services.rehearsal.network import Network
from services.rehearsal.okx.dialect import Okx
from services.rehearsal.wire import Credentials

DIALECTS: dict[str, type[Dialect]] = {"binance": Binance, "bybit": Bybit, "okx": Okx}
"""Exchange id -> dialect."""
ACCOUNTS = {
    "binance": ("spot", "spot"),
    "bybit": ("margin", "funding"),
    "okx": ("margin", "funding"),
}
"""Exchange id -> (account spot trades settle in, account deposits land in)."""


@dataclass
class Rehearsal:
    """The running exchanges of one rehearsal.

    Attributes:
        clock: the shared recorded clock.
        market: the recorded market.
        dialects: venue -> its dialect (book, credentials, faults).
        urls: venue -> base URL.
    """

    clock: SimClock
    market: Market
    network: Network
    dialects: dict[str, Dialect] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    runners: list[web.AppRunner] = field(default_factory=list)

    def book(self, venue: str) -> Book:
        """The books of `venue`."""
        return self.dialects[venue].book

    def inject(self, venue: str, account: str, asset: str, amount: float, ns: int) -> None:
        """Change a balance out of band at recorded time `ns`."""
        self.book(venue).injections.append(Injection(ns, account, asset, amount))

    async def stop(self) -> None:
        """Stop every server."""
        for runner in self.runners:
            await runner.cleanup()
        self.runners = []


def build(
    config: RunConfig, clock: SimClock, credentials: dict[str, Credentials] | None = None
) -> Rehearsal:
    """The exchanges of the run's venues, with empty accounts and fresh credentials."""
    market = Market(config)
    network = Network()
    rehearsal = Rehearsal(clock=clock, market=market, network=network)
    costs = bool(config.params.get("costs", True))
    venues = sorted({i.venue for i in market.instruments})
    for venue in venues:
        if venue not in DIALECTS:
            continue
        spot, deposit = ACCOUNTS[venue]
        book = Book(venue, market, clock, config.venues[venue], costs, spot, deposit)
        network.books[venue] = book
        creds = (credentials or {}).get(venue) or Credentials(
            key=secrets.token_hex(16),
            secret=secrets.token_hex(32),
            password=secrets.token_hex(8) if venue == "okx" else "",
        )
        rehearsal.dialects[venue] = DIALECTS[venue](book, creds, network)
    return rehearsal


async def serve(
    rehearsal: Rehearsal, host: str = "127.0.0.1", ports: dict[str, int] | None = None
) -> None:
    """Start one HTTP server per venue (port 0: any free port)."""
    for venue, dialect in sorted(rehearsal.dialects.items()):
        runner = web.AppRunner(dialect.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, (ports or {}).get(venue, 0))
        await site.start()
        rehearsal.runners.append(runner)
        port = runner.addresses[0][1]
        rehearsal.urls[venue] = f"http://{host}:{port}"
