"""The part of a dialect that is the same for every exchange: the app, faults, auth."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from services.rehearsal.book import Book, Reject
from services.rehearsal.market import Instrument
from services.rehearsal.network import Network
from services.rehearsal.wire import Credentials, Faults, apply_fault, params_of

Handler = Callable[[dict[str, str]], Awaitable[Any] | Any]


class Dialect(abc.ABC):
    """One exchange's wire format over a `Book`.

    Subclasses fill `routes` (method, path) -> handler taking the request's parameters
    and returning the payload; `private` tells which paths need a signed request.
    """

    name: str

    def __init__(self, book: Book, credentials: Credentials, network: Network) -> None:
        self.book = book
        self.credentials = credentials
        self.network = network
        self.faults = Faults()
        self.unknown: list[str] = []
        self.calls: list[str] = []
        self.routes: dict[tuple[str, str], Handler] = {}
        self.log = structlog.get_logger().bind(rehearsal=self.name)
        self.register()

    @abc.abstractmethod
    def register(self) -> None:
        """Fill `self.routes`."""

    @abc.abstractmethod
    def private(self, path: str) -> bool:
        """True if `path` needs a signed request."""

    @abc.abstractmethod
    def authenticate(self, request: web.Request, raw: str) -> web.Response | None:
        """None if the request is signed with the credentials, else the error response."""

    @abc.abstractmethod
    def ok(self, payload: Any) -> web.Response:
        """A success response in the exchange's envelope."""

    @abc.abstractmethod
    def error(self, reject: Reject, path: str) -> web.Response:
        """An error response for a refused request."""

    @abc.abstractmethod
    def empty(self) -> web.Response:
        """The exchange's empty success (for paths this server does not implement)."""

    def app(self) -> web.Application:
        """The aiohttp application serving this dialect."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one request: fault, auth, route, envelope."""
        self.calls.append(f"{request.method} {request.path}")
        fault = await apply_fault(self.faults, request)
        if fault is not None:
            return fault
        params, raw = await params_of(request)
        if self.private(request.path):
            refused = self.authenticate(request, raw)
            if refused is not None:
                return refused
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            self.unknown.append(f"{request.method} {request.path}")
            self.log.warning("rehearsal_unknown_path", method=request.method, path=request.path)
            return self.empty()
        try:
            result = handler(params)
            if hasattr(result, "__await__"):
                result = await result
        except Reject as e:
            return self.error(e, request.path)
        if isinstance(result, web.Response):
            return result
        return self.ok(result)

    def instrument(self, kind: str, symbol: str) -> Instrument:
        """The book's instrument, or an invalid-order rejection."""
        found = self.book.market.find(self.book.venue, kind, symbol)
        if found is None:
            raise Reject("invalid_order", f"unknown {kind} symbol {symbol}")
        return found


def ms(ns: int) -> int:
    """Milliseconds of int ns."""
    return ns // 1_000_000


def fmt(x: float) -> str:
    """A decimal string as exchanges send numbers."""
    return repr(float(x))
