"""`/healthz` and `/metrics` of a `carry serve` process: a minimal HTTP/1.0 server.

`GET /healthz` answers 200 while the process serves with its broker reachable, 503
otherwise (starting, recovering a restart, broker unreachable, stopping), with the
state as JSON. `GET /metrics` is the Prometheus text exposition of `Metrics`.
"""

from __future__ import annotations

import json

import anyio
import anyio.abc

from services.errors import ConfigError
from services.runtime.metrics import Metrics

MAX_REQUEST = 8192
READ_TIMEOUT_S = 5.0
_FIX = "use HOST:PORT, e.g. --metrics-addr 0.0.0.0:9464 (port 0: any free port)"


def parse_addr(text: str) -> tuple[str, int]:
    """`HOST:PORT` of the metrics listener; `ConfigError` naming the bad part."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"metrics address {text!r} is not HOST:PORT", _FIX)
    return host.strip("[]"), int(port)


Listener = anyio.abc.Listener[anyio.abc.SocketStream]


async def listen(addr: str) -> Listener:
    """A bound listener; `ConfigError` if the address is taken or not local."""
    host, port = parse_addr(addr)
    try:
        return await anyio.create_tcp_listener(local_host=host, local_port=port, reuse_port=False)
    except OSError as e:
        raise ConfigError(
            f"cannot listen for /healthz and /metrics on {addr}: {e.strerror or e}",
            "choose another --metrics-addr (CARRY_METRICS_ADDR); port 0 takes any free port",
        ) from e


def bound_port(listener: Listener) -> int:
    """The port the listener is bound to."""
    return int(listener.extra(anyio.abc.SocketAttribute.local_port))  # noqa: S610


async def serve_http(listener: Listener, metrics: Metrics) -> None:
    """Answer `/healthz` and `/metrics` until cancelled."""

    async def handle(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                with anyio.fail_after(READ_TIMEOUT_S):
                    request = await _read_head(stream)
                await stream.send(_respond(request, metrics))
            except (TimeoutError, OSError, anyio.BrokenResourceError, anyio.EndOfStream):
                return

    await listener.serve(handle)


async def _read_head(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < MAX_REQUEST:
        data += await stream.receive(4096)
    return data


def _respond(request: bytes, metrics: Metrics) -> bytes:
    line = request.split(b"\n", 1)[0].decode("latin-1").split()
    method, path = (line[0], line[1].split("?")[0]) if len(line) >= 2 else ("", "")
    if method not in ("GET", "HEAD"):
        return _response(405, "text/plain", b"method not allowed\n", method == "HEAD")
    if path == "/healthz":
        body = json.dumps({"status": metrics.state, "version": metrics.version}).encode() + b"\n"
        return _response(
            200 if metrics.healthy else 503, "application/json", body, method == "HEAD"
        )
    if path == "/metrics":
        body = metrics.render().encode()
        return _response(200, "text/plain; version=0.0.4; charset=utf-8", body, method == "HEAD")
    return _response(404, "text/plain", b"not found: use /healthz or /metrics\n", method == "HEAD")


def _response(status: int, kind: str, body: bytes, head: bool) -> bytes:
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
    header = (
        f"HTTP/1.0 {status} {reason[status]}\r\nContent-Type: {kind}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return header.encode() + (b"" if head else body)
