"""A JSON-RPC connection to an EVM node: retried reads, transactions that report their
revert reason, deployment, and the test-node controls (time, storage, snapshots)."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import requests
import structlog
from eth_abi.abi import decode as abi_decode
from eth_utils.abi import get_abi_output_types
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.providers.rpc import HTTPProvider
from web3.types import TxReceipt

from services.errors import ChainError

T = TypeVar("T")
TRANSIENT = (requests.exceptions.RequestException, TimeoutError, ConnectionError, TimeExhausted)
BUSY_CODES = frozenset({-32002, -32005, -32603, 429})
"""JSON-RPC error codes a retry may cure: resource unavailable, limit exceeded (EIP-1474),
internal error, too many requests. Reverts (code 3) and invalid requests are final."""
log = structlog.get_logger()


class RpcUnavailable(ChainError):
    """The node did not answer (timeouts, connection errors) after every retry."""


def shown_url(url: str) -> str:
    """`url` without its path, query or credentials (a provider's key often rides in
    them), for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


class RpcBusy(ChainError):
    """The node answered with an error a retry may cure (see `BUSY_CODES`)."""


def busy(error: object) -> bool:
    """Whether a JSON-RPC `error` object is one of `BUSY_CODES`."""
    return isinstance(error, dict) and error.get("code") in BUSY_CODES


def _transient(e: Exception) -> bool:
    if isinstance(e, (*TRANSIENT, RpcBusy)):
        return True
    return isinstance(e, Web3RPCError) and busy((e.rpc_response or {}).get("error"))


class Reverted(ChainError):
    """A transaction or call reverted; `reason` is the node's revert reason.

    Attributes:
        reason: the revert string, with Aave's error name when it is a numeric code.
    """

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what} reverted: {reason}")
        self.reason = reason


class Prepared(NamedTuple):
    """A read encoded once: the contract, its calldata and the output ABI types."""

    name: str
    to: str
    data: str
    types: list[str]


class Chain:
    """One RPC endpoint.

    Args:
        url: the node's HTTP JSON-RPC URL.
        timeout: seconds per request.
        retries: attempts after the first for a request that times out or fails to connect.
        backoff: seconds before the first retry, doubled each time.
        errors: revert code -> name, to spell out numeric revert reasons.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        errors: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self.errors = errors or {}
        session = requests.Session()
        session.trust_env = False  # no proxy lookup per request: the node is named by URL
        provider = HTTPProvider(
            url,
            request_kwargs={"timeout": timeout},
            session=session,
            exception_retry_configuration=None,
            cache_allowed_requests=True,  # eth_chainId once, not before every call
        )
        self.provider = provider
        self.w3 = Web3(provider)

    def retry(self, what: str, fn: Callable[[], T]) -> T:
        """`fn()`, retried on timeouts, connection errors, HTTP errors and the node's
        transient errors (`BUSY_CODES`); `RpcUnavailable` at the end."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except Exception as e:
                if not _transient(e):
                    raise
                log.warning("rpc_retry", what=what, attempt=attempt + 1, error=type(e).__name__)
                if attempt == self.retries:
                    raise RpcUnavailable(
                        f"RPC {shown_url(self.url)} did not answer {what} after "
                        f"{attempt + 1} attempts: {type(e).__name__}",
                        "check the node and the RPC URL",
                    ) from e
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def request(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC request (node-specific methods such as `evm_mine`)."""
        result, error = self.attempt(method, params)
        if error is not None:
            raise ChainError(f"RPC {method} failed: {error}")
        return result

    def attempt(self, method: str, params: list[Any]) -> tuple[Any, str | None]:
        """A raw JSON-RPC request: its result, or the node's error message."""

        def once() -> Any:
            reply = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
            if busy(reply.get("error")):
                raise RpcBusy(f"RPC {method}: {reply['error']}")
            return reply

        reply = self.retry(method, once)
        if "error" in reply:
            error = reply["error"]
            return None, str(error.get("message", error) if isinstance(error, dict) else error)
        return reply.get("result"), None

    def reason(self, error: ContractLogicError | Web3RPCError) -> str:
        """The revert reason of `error`, with the name of an Aave error code."""
        return self.named(str(error.message or error))

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Contract:
        """A contract handle."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def call(self, fn: ContractFunction, sender: str | None = None) -> Any:
        """Read `fn` at the latest block."""
        params = {"from": sender} if sender else {}
        try:
            return self.retry(fn.fn_name, lambda: fn.call(params))  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as e:
            raise Reverted(f"call {fn.fn_name}", self.reason(e)) from e

    def prepare(self, fn: ContractFunction) -> Prepared:
        """`fn` encoded once, to be read many times with `read`."""
        data = fn._encode_transaction_data()  # noqa: SLF001 - web3's encoder, without a call
        return Prepared(fn.fn_name, str(fn.address), data, get_abi_output_types(fn.abi))

    def read(self, calls: list[Prepared], block: int | None = None) -> list[Any]:
        """`eth_call` every prepared call at `block` (default the latest), in one JSON-RPC
        batch.

        Single values are returned as such, several outputs as a tuple.
        """
        at = "latest" if block is None else hex(block)
        batch: list[tuple[Any, Any]] = [
            ("eth_call", [{"to": c.to, "data": c.data}, at]) for c in calls
        ]

        def once() -> Any:
            replies = self.provider.make_batch_request(batch)
            errors = [r.get("error") for r in replies] if isinstance(replies, list) else []
            if not isinstance(replies, list) and busy(replies.get("error")):
                errors = [replies.get("error")]
            if any(busy(e) for e in errors):
                raise RpcBusy(f"RPC batch of {len(calls)} calls: {next(filter(busy, errors))}")
            return replies

        replies = self.retry(f"batch of {len(calls)} calls", once)
        if not isinstance(replies, list):
            raise ChainError(f"RPC batch of {len(calls)} calls failed: {replies.get('error')}")
        out: list[Any] = []
        for call, reply in zip(calls, replies, strict=True):
            if "error" in reply:
                message = str(reply["error"].get("message", reply["error"]))
                raise Reverted(f"call {call.name}", self.named(message))
            values = abi_decode(call.types, bytes.fromhex(str(reply["result"])[2:]))
            out.append(values[0] if len(values) == 1 else tuple(values))
        return out

    def named(self, message: str) -> str:
        """A revert message with Aave's error name when it is a numeric code."""
        text = message.removeprefix("execution reverted: ").strip()
        name = self.errors.get(text)
        return f"{text} ({name})" if name else text

    def send(
        self, fn: ContractFunction | ContractConstructor, sender: str, what: str = ""
    ) -> TxReceipt:
        """Send `fn` from `sender` (an unlocked account) and wait for its receipt.

        Raises:
            Reverted: the transaction would revert (gas estimation) or did (status 0).
        """
        what = what or getattr(fn, "fn_name", "deploy")
        try:
            gas = self.retry(f"estimate {what}", lambda: fn.estimate_gas({"from": sender}))
            tx = self.retry(what, lambda: fn.transact({"from": sender, "gas": gas}))
        except (ContractLogicError, Web3RPCError) as e:
            raise Reverted(what, self.reason(e)) from e
        receipt = self.retry(
            f"receipt {what}", lambda: self.w3.eth.wait_for_transaction_receipt(tx)
        )
        if receipt["status"] != 1:
            raise Reverted(what, "status 0")
        return receipt

    def deploy(self, abi: list[dict[str, Any]], bytecode: str, sender: str, *args: Any) -> str:
        """Deploy a contract; its address."""
        factory = self.w3.eth.contract(abi=abi, bytecode=bytecode)
        receipt = self.send(factory.constructor(*args), sender)
        address = receipt["contractAddress"]
        if address is None:
            raise ChainError("deployment receipt has no contract address")
        return str(address)

    @property
    def accounts(self) -> list[str]:
        """The node's unlocked accounts."""
        return [str(a) for a in self.retry("accounts", lambda: self.w3.eth.accounts)]

    def timestamp(self) -> int:
        """The latest block's timestamp, s."""
        block = self.retry("block", lambda: self.w3.eth.get_block("latest"))
        return int(block["timestamp"])

    def set_next_timestamp(self, ts: int) -> None:
        """Test node: the next block's timestamp."""
        self.request("evm_setNextBlockTimestamp", [ts])

    def mine(self, ts: int | None = None) -> None:
        """Test node: mine an empty block (at `ts` if given)."""
        self.request("evm_mine", [ts] if ts is not None else [])

    def set_storage(self, address: str, slot: int, value: int) -> None:
        """Test node: write one storage slot."""
        self.request(
            "anvil_setStorageAt",
            [Web3.to_checksum_address(address), hex(slot), "0x" + value.to_bytes(32, "big").hex()],
        )

    def snapshot(self) -> str:
        """Test node: snapshot the state; the id for `revert`."""
        return str(self.request("evm_snapshot", []))

    def revert(self, snapshot: str) -> None:
        """Test node: go back to `snapshot`."""
        if not self.request("evm_revert", [snapshot]):
            raise ChainError(f"evm_revert to {snapshot} failed")
