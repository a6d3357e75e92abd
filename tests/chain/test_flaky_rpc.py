"""An RPC endpoint that fails: HTTP errors, a node's transient JSON-RPC errors and
timeouts are retried; when every retry fails the market reading is carried within the
staleness limit, then the run stops. Reverts are never retried."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.chain.feed import ChainFeed, StaleChain
from services.chain.market import AaveMarket
from services.chain.rpc import Chain, Reverted, RpcUnavailable
from services.wall_clock.sources import ChainTime

HOUR_NS = 3600 * 10**9
BUSY = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "limit exceeded"}}


class FlakyRpc:
    """A JSON-RPC proxy in front of a node that answers the next requests as `faults`
    says (`http502`, `busy`, `hang`), or `always` for every request, then forwards."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.faults, self.always, self.seen = upstream, list[str](), "", 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.seen += 1
                fault = proxy.always or (proxy.faults.pop(0) if proxy.faults else "")
                if fault == "hang":
                    time.sleep(1.0)
                    return
                if fault == "http502":
                    self.send_response(502)
                    self.end_headers()
                    return
                if fault == "busy":
                    sent = json.loads(body)
                    reply = [BUSY] * len(sent) if isinstance(sent, list) else BUSY
                    data = json.dumps(reply).encode()
                else:
                    request = urllib.request.Request(
                        proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(request, timeout=10) as got:
                        data = got.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def flaky(rpc: str) -> Iterator[FlakyRpc]:
    proxy = FlakyRpc(rpc)
    proxy.thread.start()
    yield proxy
    proxy.server.shutdown()
    proxy.server.server_close()


def test_http_errors_busy_nodes_and_timeouts_are_retried(flaky: FlakyRpc) -> None:
    chain = Chain(flaky.url, timeout=0.3, retries=3, backoff=0.01)
    flaky.faults = ["http502", "busy", "hang"]
    assert int(chain.request("eth_blockNumber", []), 16) >= 0
    assert flaky.seen == 4
    flaky.seen, flaky.always = 0, "busy"
    with pytest.raises(RpcUnavailable, match="did not answer eth_gasPrice after 4 attempts"):
        chain.request("eth_gasPrice", [])
    assert flaky.seen == 4


def test_a_revert_is_final_not_retried(market: AaveMarket, flaky: FlakyRpc) -> None:
    via = AaveMarket(Chain(flaky.url, retries=3, backoff=0.01), market.artifacts, market.addresses)
    via.chain.errors = market.chain.errors
    user = market.chain.accounts[6]
    assert via.chain.call(via.pool.functions.getReservesList()) == list(
        market.addresses.tokens.values()
    )
    flaky.seen = 0
    with pytest.raises(Reverted, match="COLLATERAL_BALANCE_IS_ZERO"):
        via.chain.call(
            via.pool.functions.borrow(market.addresses.tokens["USDT"], 1, 2, 0, user), user
        )
    assert flaky.seen == 1


def test_a_failing_rpc_is_retried_then_carried_then_stops_the_run(
    market: AaveMarket, flaky: FlakyRpc
) -> None:
    via = AaveMarket(
        Chain(flaky.url, timeout=0.3, retries=2, backoff=0.01), market.artifacts, market.addresses
    )
    feed = ChainFeed(via, market.addresses.treasury, max_age_ns=2 * HOUR_NS)
    first, filled = feed.read(0)
    assert not filled
    flaky.faults = ["busy", "http502"]  # recovered within the retries: a fresh reading
    again, filled = feed.read(HOUR_NS // 2)
    assert not filled
    assert again.indices == first.indices
    flaky.always = "busy"
    flaky.seen = 0
    carried, filled = feed.read(HOUR_NS)
    assert filled
    assert carried == again
    assert flaky.seen == 3  # the first request and its two retries
    with pytest.raises(StaleChain, match="within the staleness limit"):
        feed.read(3 * HOUR_NS)


def test_the_chains_clock_retries_a_node_that_fails(flaky: FlakyRpc) -> None:
    clock = ChainTime(flaky.url, timeout_s=0.3, retries=3, backoff_s=0.01)
    flaky.faults = ["http502", "hang"]
    assert clock._read() > 0
    assert flaky.seen == 3
