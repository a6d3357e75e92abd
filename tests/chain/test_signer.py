"""Signed transactions on the local market: confirmations and real gas, refusals with
Aave's reason, a foreign transaction on the key detected, positions read in Carry's keys."""

from __future__ import annotations

import threading
import time

import pytest
from eth_account import Account

from services.chain.artifacts import Artifacts
from services.chain.discover import discover_market
from services.chain.market import MAX_UINT, AaveMarket
from services.chain.positions import read_positions
from services.chain.rpc import Chain
from services.chain.signer import NonceGap, Signer

MNEMONIC = "test test test test test test test test test test test junk"  # anvil's own


def dev_key(index: int) -> str:
    """The private key of anvil's dev account `index` (public test keys)."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


def test_the_market_is_found_from_its_addresses_provider(market: AaveMarket) -> None:
    found = discover_market(market.chain, Artifacts(), market.addresses.provider, market.symbols)
    assert found == market.addresses


def test_signed_transactions_confirm_pay_gas_and_show_in_the_positions(market: AaveMarket) -> None:
    signer = Signer(market.chain, dev_key(7), confirmations=1, poll_s=0.05)
    weeth, pool = market.tokens["weETH"].functions, market.pool.functions
    assert signer.send(weeth.mint(signer.address, 5 * 10**18), "mint").ok
    assert signer.send(weeth.approve(market.addresses.pool, MAX_UINT), "approve").ok
    before = read_positions(market, signer.address).balances["wallet:BaseToken:ETH"]
    supplied = signer.send(
        pool.supply(market.addresses.tokens["weETH"], 4 * 10**18, signer.address, 0), "supply"
    )
    assert supplied.ok
    assert 100_000 < supplied.gas_used < 400_000
    after = read_positions(market, signer.address)
    assert after.balances["wallet:BaseToken:ETH"] == pytest.approx(
        before - supplied.gas_eth, abs=1e-9
    )
    assert after.balances["etherfi:LST:weETH"] == pytest.approx(1.0)
    assert after.balances["aave_v3:aToken:aweETH"] == pytest.approx(4.0)  # index 1: scaled = amount
    assert after.health_factor is None
    assert after.lst_rates["weETH"] == pytest.approx(1.05)


def test_a_transaction_that_would_revert_is_refused_with_aaves_reason(market: AaveMarket) -> None:
    signer = Signer(market.chain, dev_key(8), poll_s=0.05)
    usdt = market.addresses.tokens["USDT"]
    outcome = signer.send(market.pool.functions.borrow(usdt, 10**6, 2, 0, signer.address), "borrow")
    assert outcome.status == "refused"
    assert outcome.reason == "34 (COLLATERAL_BALANCE_IS_ZERO)"
    assert outcome.tx_hash == ""


def test_another_sender_on_the_same_key_stops_the_signer(market: AaveMarket) -> None:
    key = dev_key(9)
    signer = Signer(market.chain, key, poll_s=0.05)
    usdt = market.tokens["USDT"].functions
    assert signer.send(usdt.mint(signer.address, 10**6), "mint").ok
    other = Account.from_key(key)
    tx = {
        "to": market.addresses.treasury,
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "nonce": signer.nonce,
        "chainId": signer.chain_id,
    }
    market.chain.request(
        "eth_sendRawTransaction", ["0x" + bytes(other.sign_transaction(tx).raw_transaction).hex()]
    )
    with pytest.raises(NonceGap, match="another sender uses the key"):
        signer.send(usdt.mint(signer.address, 10**6), "mint again")


def _pending_hash(chain: Chain, sender: str) -> str:
    """The hash of `sender`'s transaction waiting in the node's pool."""
    pool = chain.request("txpool_content", [])["pending"]
    (txs,) = (v for k, v in pool.items() if k.lower() == sender.lower())
    (tx,) = txs.values()
    return str(tx["hash"])


def test_dropped_and_replaced_transactions_are_rejections_never_resent(market: AaveMarket) -> None:
    chain, key = market.chain, dev_key(5)
    signer = Signer(chain, key, timeout_s=1.0, poll_s=0.05)
    usdt = market.tokens["USDT"].functions
    chain.request("evm_setAutomine", [False])
    try:
        results: list[object] = []
        worker = threading.Thread(
            target=lambda: results.append(signer.send(usdt.mint(signer.address, 1), "mint"))
        )
        worker.start()
        while not chain.request("txpool_content", [])["pending"]:
            time.sleep(0.02)
        chain.request("anvil_dropTransaction", [_pending_hash(chain, signer.address)])
        worker.join()
        (dropped,) = results
        assert dropped.status == "dropped"
        # The signer knows its nonce was never used: it refuses to go on.
        with pytest.raises(NonceGap, match="neither mined nor pending"):
            signer.check_nonce()

        # Long enough for the replacement below to be mined before the signer gives up.
        fresh = Signer(chain, key, timeout_s=5.0, poll_s=0.05)
        results.clear()
        worker = threading.Thread(
            target=lambda: results.append(fresh.send(usdt.mint(fresh.address, 1), "mint"))
        )
        worker.start()
        while not chain.request("txpool_content", [])["pending"]:
            time.sleep(0.02)
        mine = _pending_hash(chain, fresh.address)
        chain.request("anvil_dropTransaction", [mine])
        other = Account.from_key(key)
        tx = {
            "to": market.addresses.treasury,
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 2 * 10**9,
            "nonce": fresh.nonce - 1,
            "chainId": fresh.chain_id,
        }
        chain.request(
            "eth_sendRawTransaction",
            ["0x" + bytes(other.sign_transaction(tx).raw_transaction).hex()],
        )
        chain.request("evm_mine", [])
        worker.join()
        (replaced,) = results
        assert replaced.status == "replaced"
        assert "was replaced" in replaced.reason
    finally:
        chain.request("evm_setAutomine", [True])


def test_a_transaction_that_reverts_once_mined_is_rejected_with_aaves_reason(
    market: AaveMarket,
) -> None:
    """The borrow passes its simulation; the collateral's price collapses before it is
    mined, so it reverts on chain and the rejection names Aave's reason."""
    chain, key = market.chain, dev_key(3)
    signer = Signer(chain, key, poll_s=0.05)
    lender = chain.accounts[4]
    market.mint(lender, "USDT", 10**12)
    market.approve(lender, "USDT")
    market.supply(lender, "USDT", 10**12)
    weeth, pool = market.tokens["weETH"].functions, market.pool.functions
    assert signer.send(weeth.mint(signer.address, 10**18), "mint").ok
    assert signer.send(weeth.approve(market.addresses.pool, MAX_UINT), "approve").ok
    assert signer.send(
        pool.supply(market.addresses.tokens["weETH"], 10**18, signer.address, 0), "supply"
    ).ok
    usdt, price = market.addresses.tokens["USDT"], market.price("weETH")
    chain.request("evm_setAutomine", [False])
    try:
        results: list[object] = []
        borrow = pool.borrow(usdt, 1000 * 10**6, 2, 0, signer.address)
        worker = threading.Thread(target=lambda: results.append(signer.send(borrow, "borrow")))
        worker.start()
        while worker.is_alive() and not chain.request("txpool_content", [])["pending"]:
            time.sleep(0.02)
        market.set_price("weETH", price // 1000)
        chain.request("evm_mine", [])
        worker.join()
    finally:
        chain.request("evm_setAutomine", [True])
        market.set_price("weETH", price)
    (reverted,) = results
    assert reverted.status == "reverted"
    assert reverted.gas_eth > 0  # a reverted transaction still pays for its gas
    assert reverted.reason == "36 (COLLATERAL_CANNOT_COVER_NEW_BORROW)"
    assert signer.check_nonce() == reverted.nonce + 1  # its nonce is spent, nothing resent
