"""The npm-installed chain packages (anvil, @aave/core-v3) and private anvil nodes.

`deploy/chain/chain.sh fetch` installs the pinned packages into `$CHAIN_HOME`
(default `<checkout>/.chain`). A missing piece is a `ChainError` naming it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from services.errors import ChainError

ENV_HOME = "CHAIN_HOME"
ENV_RPC = "CARRY_CHAIN"
CHAIN_ID = 31337
START_TIMEOUT_S = 30.0
FETCH_FIX = "run `make chain-fetch` (deploy/chain/chain.sh fetch) or set CHAIN_HOME"


def chain_home() -> Path:
    """Where the chain packages are installed: `$CHAIN_HOME`, else `<checkout>/.chain`."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".chain"


def anvil_binary(home: Path | None = None) -> Path:
    """The anvil binary of the npm package; `ChainError` if it is not installed."""
    path = (home or chain_home()) / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
    if not path.is_file():
        raise ChainError(f"anvil (npm @foundry-rs/anvil) is not installed: no {path}", FETCH_FIX)
    return path


def aave_artifacts(home: Path | None = None) -> Path:
    """The `artifacts/` folder of `@aave/core-v3`; `ChainError` if it is not installed."""
    path = (home or chain_home()) / "node_modules/@aave/core-v3/artifacts"
    if not (path / "contracts/protocol/pool/Pool.sol/Pool.json").is_file():
        raise ChainError(
            f"the Aave v3 contracts (npm @aave/core-v3) are not installed in {path}", FETCH_FIX
        )
    return path


def carry_contracts(home: Path | None = None) -> Path:
    """Carry's own compiled contracts (deploy/chain/contracts, built by `chain.sh fetch`)."""
    path = (home or chain_home()) / "build"
    if not (path / "CarryLoop.json").is_file():
        raise ChainError(f"Carry's contracts are not compiled: no {path}/CarryLoop.json", FETCH_FIX)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 the OS says is free."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def chain_id(url: str, timeout: float = 2.0) -> int:
    """`eth_chainId` of the node at `url` (raises `OSError` if it does not answer)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 - the URL is an http:// RPC endpoint
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
        return int(json.loads(reply.read())["result"], 16)


class Anvil:
    """A private anvil on a free loopback port, stopped on exit (a context manager).

    Args:
        home: where the npm packages are installed (default `chain_home()`).
        accounts: funded test accounts.
        balance: ETH per account.
    """

    def __init__(self, home: Path | None = None, accounts: int = 10, balance: int = 1_000_000):
        self.binary = anvil_binary(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            str(self.binary),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(CHAIN_ID),
            "--accounts", str(accounts),
            "--balance", str(balance),
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()

    def start(self) -> Anvil:
        """Start the node and wait until it answers."""
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.DEVNULL, stderr=self.errors, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                self.errors.seek(0)
                err = self.errors.read().decode(errors="replace")
                raise ChainError(f"anvil exited at start: {err.strip()[-500:]}", FETCH_FIX)
            try:
                chain_id(self.url, timeout=0.5)
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise ChainError(
                        f"anvil did not answer on {self.url} in {START_TIMEOUT_S:.0f} s", FETCH_FIX
                    ) from None
                time.sleep(0.05)
            else:
                return self

    def stop(self) -> None:
        """Terminate the node (kill after 5 s)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.errors.close()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
