"""RPC faults: a node that never answers or answers with an error, and missing packages."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from services.chain.node import aave_artifacts, anvil_binary
from services.chain.rpc import Chain, RpcUnavailable
from services.errors import ChainError


@pytest.fixture
def silent_node() -> Iterator[str]:
    """A loopback port that accepts connections and never replies."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture
def failing_node() -> Iterator[str]:
    """A JSON-RPC endpoint that answers every request with an error."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            reply = {
                "jsonrpc": "2.0",
                "id": body["id"],
                "error": {"code": -32000, "message": "header not found"},
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_node_that_times_out_is_retried_then_reported(silent_node: str) -> None:
    chain = Chain(silent_node, timeout=0.2, retries=2, backoff=0.01)
    with pytest.raises(RpcUnavailable, match=r"did not answer eth_blockNumber after 3 attempts"):
        chain.request("eth_blockNumber", [])


def test_an_rpc_error_is_reported_with_the_nodes_message(failing_node: str) -> None:
    chain = Chain(failing_node, timeout=2.0, retries=0)
    with pytest.raises(ChainError, match=r"eth_blockNumber failed: .*header not found"):
        chain.request("eth_blockNumber", [])


def test_missing_npm_packages_are_named(tmp_path: Path) -> None:
    with pytest.raises(ChainError, match=r"anvil \(npm @foundry-rs/anvil\) is not installed") as e:
        anvil_binary(tmp_path)
    assert "make chain-fetch" in str(e.value)
    with pytest.raises(ChainError, match=r"npm @aave/core-v3\) are not installed"):
        aave_artifacts(tmp_path)


def test_messages_show_the_rpc_host_not_the_key_in_its_url() -> None:
    chain = Chain("http://user:pw@127.0.0.1:9/v3/0123abcdkey", timeout=0.2, retries=0)
    with pytest.raises(RpcUnavailable) as e:
        chain.request("eth_blockNumber", [])
    assert "http://127.0.0.1:9 did not answer" in e.value.message
    assert "0123abcdkey" not in str(e.value)
    assert "pw" not in str(e.value)
