"""Signed transactions from one key: nonces tracked, confirmations awaited, and every
outcome named (confirmed, reverted with its reason, dropped, replaced).

Nonces: the signer keeps the next nonce it will use. Before each transaction it checks
the chain agrees: a nonce the chain has moved past without this signer (another process
using the key, or a replaced transaction) or a pending transaction it did not send is a
`NonceGap`, and nothing is sent, so an order is never executed twice. The key is held
only by the `eth_account` object; it is never logged or put in a message.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import structlog
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import Nonce, TxParams, Wei

from services.chain.rpc import Chain
from services.errors import ChainError

WAD = 10**18
GAS_MARGIN = 1.2
log = structlog.get_logger()


class NonceGap(ChainError):
    """The chain's nonce of the key is not the one this signer expects."""


class TxOutcome(NamedTuple):
    """What became of a transaction.

    Attributes:
        status: `confirmed`, `reverted`, `dropped`, `replaced` or `refused` (it would
            revert, so it was not sent).
        tx_hash: the transaction hash (empty if not sent).
        nonce: the nonce it used.
        gas_used: gas units used (0 if not mined).
        gas_eth: ETH paid for gas (gas used * effective gas price).
        block: the block it was mined in (0 if not).
        reason: the revert reason, or why it was dropped or replaced.
    """

    status: str
    tx_hash: str = ""
    nonce: int = -1
    gas_used: int = 0
    gas_eth: float = 0.0
    block: int = 0
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the transaction executed."""
        return self.status == "confirmed"


class Signer:
    """Sends transactions signed with one private key.

    Args:
        chain: the node.
        key: the private key (hex).
        confirmations: blocks (including its own) a transaction must have.
        timeout_s: how long to wait for it before checking whether it was dropped.
        poll_s: seconds between receipt polls.
        priority_gwei: the tip offered to validators.
    """

    def __init__(
        self,
        chain: Chain,
        key: str,
        confirmations: int = 1,
        timeout_s: float = 120.0,
        poll_s: float = 0.5,
        priority_gwei: float = 1.0,
    ) -> None:
        self.chain = chain
        self._account: LocalAccount = Account.from_key(key)
        self.address = str(self._account.address)
        self.confirmations = max(1, confirmations)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.priority_wei = int(priority_gwei * 1e9)
        self.chain_id = int(chain.request("eth_chainId", []), 16)
        self.nonce: int | None = None

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    def _count(self, block: str) -> int:
        return int(self.chain.request("eth_getTransactionCount", [self.address, block]), 16)

    def check_nonce(self) -> int:
        """The nonce to use next; `NonceGap` if the chain disagrees with this signer."""
        latest, pending = self._count("latest"), self._count("pending")
        if self.nonce is None:
            if pending != latest:
                raise NonceGap(
                    f"{self.address} has {pending - latest} pending transaction(s) "
                    "this process did not send",
                    "wait for them to be mined or dropped before trading",
                )
            self.nonce = latest
        elif latest > self.nonce or pending > self.nonce:
            raise NonceGap(
                f"the chain's nonce of {self.address} is {max(latest, pending)}, this process "
                f"expected {self.nonce}: another sender uses the key, or a transaction was "
                "replaced",
                "stop the other sender; nothing is sent until the nonces agree",
            )
        elif latest < self.nonce and pending < self.nonce:
            raise NonceGap(
                f"{self.address}: transaction(s) with nonce {latest}..{self.nonce - 1} are "
                "neither mined nor pending (dropped)",
                "resend or cancel them before trading",
            )
        return self.nonce

    def send(
        self, fn: ContractFunction | ContractConstructor, what: str, value: int = 0
    ) -> TxOutcome:
        """Simulate, sign, send and confirm `fn` (sending `value` wei of ETH with it)."""
        nonce = self.check_nonce()
        try:
            sender = Web3.to_checksum_address(self.address)
            gas = int(fn.estimate_gas({"from": sender, "value": Wei(value)}) * GAS_MARGIN)
        except (ContractLogicError, Web3RPCError) as e:
            return TxOutcome("refused", nonce=nonce, reason=self.chain.reason(e))
        base = int(
            self.chain.request("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16
        )
        params: TxParams = {
            "from": Web3.to_checksum_address(self.address),
            "nonce": Nonce(nonce),
            "chainId": self.chain_id,
            "gas": gas,
            "maxPriorityFeePerGas": Wei(self.priority_wei),
            "maxFeePerGas": Wei(2 * base + self.priority_wei),
            "value": Wei(value),
        }
        tx: dict[str, Any] = dict(fn.build_transaction(params))
        signed = self._account.sign_transaction(tx)
        tx_hash = "0x" + bytes(signed.hash).hex()
        self.chain.request("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
        self.nonce = nonce + 1
        log.info("tx_sent", what=what, tx=tx_hash, nonce=nonce, gas_limit=gas)
        return self._confirm(tx_hash, nonce, what, tx)

    def _confirm(self, tx_hash: str, nonce: int, what: str, tx: dict[str, Any]) -> TxOutcome:
        deadline = time.monotonic() + self.timeout_s
        while True:
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                mined = int(receipt["blockNumber"], 16)
                if (
                    int(self.chain.request("eth_blockNumber", []), 16)
                    >= mined + self.confirmations - 1
                ):
                    again = self._receipt(tx_hash)  # still there after the confirmations
                    if again is not None and again["blockHash"] == receipt["blockHash"]:
                        return self._outcome(again, tx_hash, nonce, what, tx)
            elif time.monotonic() > deadline:
                return self._lost(tx_hash, nonce, what)
            time.sleep(self.poll_s)

    def _receipt(self, tx_hash: str) -> dict[str, Any] | None:
        got: dict[str, Any] | None = self.chain.request("eth_getTransactionReceipt", [tx_hash])
        return got

    def _outcome(
        self, receipt: dict[str, Any], tx_hash: str, nonce: int, what: str, tx: dict[str, Any]
    ) -> TxOutcome:
        used = int(receipt["gasUsed"], 16)
        price = int(receipt["effectiveGasPrice"], 16)
        block = int(receipt["blockNumber"], 16)
        if int(receipt["status"], 16) == 1:
            log.info("tx_confirmed", what=what, tx=tx_hash, block=block, gas_used=used)
            return TxOutcome("confirmed", tx_hash, nonce, used, used * price / WAD, block)
        reason = self._revert_reason(tx, block)
        log.warning("tx_reverted", what=what, tx=tx_hash, block=block, reason=reason)
        return TxOutcome("reverted", tx_hash, nonce, used, used * price / WAD, block, reason)

    def _revert_reason(self, tx: dict[str, Any], block: int) -> str:
        """Replay the transaction as a call on the state before its block."""
        call: dict[str, Any] = {k: tx[k] for k in ("from", "to", "data") if k in tx}
        call["value"] = hex(int(tx.get("value", 0)))
        _, error = self.chain.attempt("eth_call", [call, hex(block - 1)])
        if error is None:
            return "reverted (the replay before its block does not revert)"
        return self.chain.named(error)

    def _lost(self, tx_hash: str, nonce: int, what: str) -> TxOutcome:
        """No receipt in time: replaced if the nonce was used by another transaction."""
        if self._count("latest") > nonce:
            reason = f"nonce {nonce} was used by another transaction: {tx_hash} was replaced"
            log.error("tx_replaced", what=what, tx=tx_hash, nonce=nonce)
            return TxOutcome("replaced", tx_hash, nonce, reason=reason)
        reason = f"not mined within {self.timeout_s:.0f} s"
        log.error("tx_dropped", what=what, tx=tx_hash, nonce=nonce)
        return TxOutcome("dropped", tx_hash, nonce, reason=reason)
