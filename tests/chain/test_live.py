"""`carry live` on the local chain: eth_leveraged (wstETH loop) in paper and with --trade,
the chain's block time driving the run, an out-of-band change found by the refresh."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from services.chain.artifacts import Artifacts
from services.chain.deploy import deploy_market
from services.chain.loop import deploy_local_staker, setup_loop
from services.chain.market import AaveMarket
from services.chain.node import Anvil
from services.chain.rpc import Chain
from services.chain.signer import Signer
from services.chain.verify.actions import BASE_PRICES
from services.cli.main import main
from services.config.onchain import load_onchain

KEY_ENV = "CARRY_TEST_WALLET_KEY"
URL_ENV = "CARRY_TEST_RPC_URL"


class Accelerator:
    """Moves the node's time 15 s every few milliseconds while a run waits on it; `change`
    (an out-of-band change to the wallet) is called before each move, so a change made
    once an order landed is on the chain before the run's later steps are due."""

    STEP_S = 15  # a quarter of the runs' 1m interval: an order's few blocks pass no step

    def __init__(self, chain: Chain, change: object = None) -> None:
        self.chain, self.stop = chain, threading.Event()
        self.change = change
        self.failed: Exception | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.wait(0.05):
                if callable(self.change):
                    self.change()
                self.chain.request("evm_increaseTime", [self.STEP_S])
                self.chain.request("evm_mine", [])
        except Exception as e:  # noqa: BLE001 - raised again in the test's thread on exit
            self.failed = e

    def __enter__(self) -> Accelerator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        if self.failed is not None:
            raise self.failed


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Chain, Path, str]]:
    """A private node with a market, liquidity, a funded wallet and its loop; the venues file."""
    node = Anvil().start()
    try:
        artifacts = Artifacts()
        chain = Chain(node.url, errors=artifacts.error_names())
        accounts = chain.accounts
        addresses = deploy_market(
            chain, artifacts, load_onchain().aave, BASE_PRICES, accounts[0], accounts[1]
        )
        market = AaveMarket(chain, artifacts, addresses)
        market.mint(accounts[4], "WETH", 10**24)
        market.approve(accounts[4], "WETH")
        market.supply(accounts[4], "WETH", 10**24)
        staker = deploy_local_staker(chain, artifacts, addresses, accounts[0])
        wallet = Account.create()
        chain.request("anvil_setBalance", [wallet.address, hex(2 * 10**18)])
        key = wallet.key.hex()
        signer = Signer(chain, key, poll_s=0.02)
        assert signer.send(
            market.tokens["WETH"].functions.mint(wallet.address, 10 * 10**18), "mint"
        ).ok
        loop = setup_loop(signer, artifacts, addresses, staker, ["wstETH"]).address
        monkeypatch.setenv(KEY_ENV, key)
        monkeypatch.setenv(URL_ENV, node.url)
        venues = tmp_path / "venues.toml"
        venues.write_text(
            'wallet = "aave_v3"\ntime_source = "aave_v3"\n\n[venues.aave_v3]\nkind = "chain"\n'
            f'exchange = "anvil"\napi_url_env = "{URL_ENV}"\n'
            f'aave_provider = "{addresses.provider}"\nkey_env = "{KEY_ENV}"\nloop = "{loop}"\n'
        )
        yield chain, venues, key
    finally:
        node.stop()


def market_debt_token(chain: Chain, venues: Path):
    """The WETH variable debt token of the venues file's market."""
    from services.chain.discover import discover_market

    provider = venues.read_text().split('aave_provider = "')[1].split('"')[0]
    artifacts = Artifacts()
    found = discover_market(chain, artifacts, provider, ["WETH"])
    return chain.contract(found.debt_tokens["WETH"], artifacts.get("VariableDebtToken").abi)


def _live(venues: Path, out: Path, *extra: str, steps: int = 4) -> dict:
    args = [
        "live",
        "--mode",
        "eth_leveraged",
        "--venues",
        str(venues),
        "--interval",
        "1m",
        "--steps",
        str(steps),
        "--quiet",
        "--out",
        str(out),
        "--set",
        "lst_type=wsteth",
        "--set",
        "sell_dust=false",
        *extra,
    ]
    assert main(args) == 0
    return json.loads((out / "summary.json").read_text())


def test_paper_and_trade_runs_on_the_local_chain(
    local, tmp_path: Path, monkeypatch, capsys, caplog
) -> None:
    chain, venues, key = local
    owner = Account.from_key(key)
    wallet = owner.address
    monkeypatch.setenv("CARRY_LOG_LEVEL", "debug")  # every log line, to look for the key
    before = int(chain.request("eth_getBalance", [wallet, "latest"]), 16)
    with Accelerator(chain):
        paper = _live(venues, tmp_path / "paper")
    assert paper["steps"] == 4
    assert paper["trades"] >= 1  # Carry's Aave venue filled the loop, fed the chain's market
    assert int(chain.request("eth_getBalance", [wallet, "latest"]), 16) == before  # sent nothing

    monkeypatch.setenv("CARRY_LIVE_TRADING", "1")
    taken = 2 * 10**16  # 0.02 ETH, above the 0.01 reconciliation tolerance

    debt_token = market_debt_token(chain, venues)
    moved: list[float] = []

    def transfer_out() -> None:
        # Once the loop is on the chain, the wallet's owner sends 0.02 ETH elsewhere
        # (signed with the same key, behind Carry's back).
        if moved or not int(chain.call(debt_token.functions.balanceOf(wallet))):
            return
        nonce = int(chain.request("eth_getTransactionCount", [wallet, "pending"]), 16)
        tx = {
            "to": chain.accounts[9],
            "value": taken,
            "gas": 21_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "nonce": nonce,
            "chainId": 31337,
        }
        raw = "0x" + bytes(owner.sign_transaction(tx).raw_transaction).hex()
        sent = chain.request("eth_sendRawTransaction", [raw])
        receipt = None
        for _ in range(500):  # the node mines a sent transaction shortly after, not at once
            receipt = chain.request("eth_getTransactionReceipt", [sent])
            if receipt:
                break
            time.sleep(0.01)
        assert receipt, "the out-of-band transfer was never mined"
        gas = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
        moved.append((taken + gas) / 1e18)

    with Accelerator(chain, change=transfer_out):
        trade = _live(
            venues,
            tmp_path / "trade",
            "--trade",
            "--max-order-notional",
            "1e9",
            "--max-daily-loss",
            "1e9",
            steps=6,  # the transfer lands after the loop's step, before the last refresh
        )
    assert trade["steps"] == 6
    assert trade["trades"] >= 1
    assert trade["rejected_orders"] == 0
    (found,) = [d for d in trade["discrepancies"] if d["key"] == "wallet:BaseToken:ETH"]
    assert found["difference"] == pytest.approx(-moved[0], abs=1e-9)
    # The loop is on the chain: wstETH collateral, WETH debt, at the mode's target LTV.
    artifacts = Artifacts()
    from services.chain.discover import discover_market
    from services.chain.positions import read_positions

    spec = venues.read_text()
    provider = spec.split('aave_provider = "')[1].split('"')[0]
    market = AaveMarket(
        chain, artifacts, discover_market(chain, artifacts, provider, ["WETH", "wstETH"])
    )
    held = read_positions(market, wallet)
    assert held.balances["aave_v3:aToken:awstETH"] > 0
    assert held.balances["aave_v3:debtToken:debtWETH"] > 0
    assert held.health_factor == pytest.approx(0.95 / 0.9094, rel=2e-3)

    # The wallet's key is in no log line and no file of either run, the RPC URL in no file.
    url = chain.url.removeprefix("http://")
    assert not [
        f for f in tmp_path.rglob("*") if f.is_file() and url in f.read_text(errors="replace")
    ]
    shown = capsys.readouterr()
    texts = [shown.out, shown.err, caplog.text]
    texts += [f.read_text(errors="replace") for f in tmp_path.rglob("*") if f.is_file()]
    secret = key.lower().removeprefix("0x")
    assert len(secret) == 64
    assert all(secret not in t.lower() for t in texts)
    assert any("chain_account" in t for t in texts)  # the logs were captured
