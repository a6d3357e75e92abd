"""Reads and writes of one Aave v3 market: reserve state, an account's balances and
account data, oracle prices, and the user actions (supply, withdraw, borrow, repay,
e-mode, liquidation). Amounts are integers in the token's smallest unit; indices and
rates are rays; prices have the oracle's 8 decimals of USD."""

from __future__ import annotations

from typing import Any, NamedTuple

from web3.types import TxReceipt

from services.chain.artifacts import Artifacts
from services.chain.deploy import MarketAddresses
from services.chain.rpc import Chain, Prepared

MAX_UINT = 2**256 - 1
VARIABLE = 2
"""Aave's interest-rate mode of a variable-rate borrow."""


class ReserveState(NamedTuple):
    """A reserve now: normalised indices (as of the latest block), stored state."""

    liquidity_index: int
    borrow_index: int
    stored_liquidity_index: int
    stored_borrow_index: int
    liquidity_rate: int
    borrow_rate: int
    last_update: int
    accrued_to_treasury: int


class AccountData(NamedTuple):
    """`Pool.getUserAccountData`: base amounts in oracle units, bps, HF in wad."""

    collateral_base: int
    debt_base: int
    available_borrows_base: int
    liquidation_threshold: int
    ltv: int
    health_factor: int


class Holdings(NamedTuple):
    """An account's balances per reserve symbol (smallest units)."""

    wallet: dict[str, int]
    supplied: dict[str, int]
    supplied_scaled: dict[str, int]
    owed: dict[str, int]
    owed_scaled: dict[str, int]


class MarketView(NamedTuple):
    """One account's view of the market at the latest block."""

    holdings: Holdings
    account: AccountData
    emode: int
    reserves: dict[str, ReserveState]
    prices: dict[str, int]


class AaveMarket:
    """One deployed market.

    Args:
        chain: the node.
        artifacts: the compiled contracts (ABIs).
        addresses: the market's contracts.
    """

    def __init__(self, chain: Chain, artifacts: Artifacts, addresses: MarketAddresses) -> None:
        self.chain = chain
        self.artifacts = artifacts
        self.addresses = addresses
        self.symbols = list(addresses.tokens)
        abi = artifacts.get
        self.pool = chain.contract(addresses.pool, abi("Pool").abi)
        self.oracle = chain.contract(addresses.oracle, abi("AaveOracle").abi)
        self.tokens = {
            s: chain.contract(a, abi("MintableERC20").abi) for s, a in addresses.tokens.items()
        }
        self.atokens = {
            s: chain.contract(a, abi("AToken").abi) for s, a in addresses.atokens.items()
        }
        self.debts = {
            s: chain.contract(a, abi("VariableDebtToken").abi)
            for s, a in addresses.debt_tokens.items()
        }
        self.decimals = {s: int(chain.call(t.functions.decimals())) for s, t in self.tokens.items()}
        self._views: dict[str, list[Prepared]] = {}

    # -- reads
    def reserve_calls(self, symbol: str) -> list[Any]:
        """The three calls `reserve_state` decodes."""
        asset = self.addresses.tokens[symbol]
        f = self.pool.functions
        return [
            f.getReserveData(asset),
            f.getReserveNormalizedIncome(asset),
            f.getReserveNormalizedVariableDebt(asset),
        ]

    @staticmethod
    def reserve_state(data: Any, income: int, debt: int) -> ReserveState:
        """A reserve's state from its `reserve_calls` results."""
        return ReserveState(
            int(income), int(debt), data[1], data[3], data[2], data[4], data[6], data[12]
        )

    def reserve(self, symbol: str) -> ReserveState:
        """The reserve's indices, rates and treasury accrual."""
        calls = [self.chain.prepare(fn) for fn in self.reserve_calls(symbol)]
        return self.reserve_state(*self.chain.read(calls))

    def holding_calls(self, user: str) -> list[Any]:
        """The calls `holdings_of` decodes: per symbol wallet, aToken, scaled aToken,
        debt, scaled debt."""
        calls = []
        for s in self.symbols:
            a, d = self.atokens[s].functions, self.debts[s].functions
            calls += [
                self.tokens[s].functions.balanceOf(user),
                a.balanceOf(user),
                a.scaledBalanceOf(user),
                d.balanceOf(user),
                d.scaledBalanceOf(user),
            ]
        return calls

    def holdings_of(self, results: list[Any]) -> Holdings:
        """Holdings from the results of `holding_calls`."""
        h = Holdings({}, {}, {}, {}, {})
        for i, s in enumerate(self.symbols):
            row = [int(v) for v in results[5 * i : 5 * i + 5]]
            h.wallet[s], h.supplied[s], h.supplied_scaled[s], h.owed[s], h.owed_scaled[s] = row
        return h

    def holdings(self, user: str) -> Holdings:
        """`user`'s wallet, aToken and variable debt balances, actual and scaled."""
        calls = [self.chain.prepare(fn) for fn in self.holding_calls(user)]
        return self.holdings_of(self.chain.read(calls))

    def view(self, user: str, block: int | None = None) -> MarketView:
        """`user`'s holdings, account data and e-mode, every reserve and price, in one
        batch of reads at `block` (default the latest)."""
        calls = self._views.get(user)
        if calls is None:
            fns = self.holding_calls(user)
            fns += [
                self.pool.functions.getUserAccountData(user),
                self.pool.functions.getUserEMode(user),
            ]
            for s in self.symbols:
                fns += self.reserve_calls(s)
            fns += [
                self.oracle.functions.getAssetPrice(self.addresses.tokens[s]) for s in self.symbols
            ]
            calls = self._views[user] = [self.chain.prepare(fn) for fn in fns]
        out = self.chain.read(calls, block)
        n = 5 * len(self.symbols)
        reserves = {
            s: self.reserve_state(*out[n + 2 + 3 * i : n + 5 + 3 * i])
            for i, s in enumerate(self.symbols)
        }
        prices = out[n + 2 + 3 * len(self.symbols) :]
        return MarketView(
            holdings=self.holdings_of(out[:n]),
            account=AccountData(*out[n]),
            emode=int(out[n + 1]),
            reserves=reserves,
            prices={s: int(p) for s, p in zip(self.symbols, prices, strict=True)},
        )

    def account_data(self, user: str) -> AccountData:
        """`getUserAccountData(user)`."""
        return AccountData(*self.chain.call(self.pool.functions.getUserAccountData(user)))

    def collateral_enabled(self, user: str, symbol: str) -> bool:
        """Whether `user` uses its `symbol` supply as collateral (bit 2 id + 1 of its
        configuration, id being the reserve's index)."""
        data, config = self.chain.read(
            [
                self.chain.prepare(self.pool.functions.getReserveData(self._asset(symbol))),
                self.chain.prepare(self.pool.functions.getUserConfiguration(user)),
            ]
        )
        return bool(config[0] >> (2 * data[7] + 1) & 1)

    def user_emode(self, user: str) -> int:
        """`user`'s e-mode category (0: none)."""
        return int(self.chain.call(self.pool.functions.getUserEMode(user)))

    def price(self, symbol: str) -> int:
        """The oracle's price of `symbol`."""
        asset = self.addresses.tokens[symbol]
        return int(self.chain.call(self.oracle.functions.getAssetPrice(asset)))

    # -- test-node writes
    def set_price(self, symbol: str, units: int) -> None:
        """Set the price source's answer (its storage slot 0); mines no block."""
        if units <= 0:
            raise ValueError(f"price of {symbol} must be positive, was {units}")
        self.chain.set_storage(self.addresses.price_sources[symbol], 0, units)

    def mint(self, user: str, symbol: str, amount: int) -> None:
        """Mint test tokens to `user`."""
        self.chain.send(self.tokens[symbol].functions.mint(user, amount), user, f"mint {symbol}")

    def approve(self, user: str, symbol: str) -> None:
        """Let the Pool pull any amount of `symbol` from `user`."""
        fn = self.tokens[symbol].functions.approve(self.addresses.pool, MAX_UINT)
        self.chain.send(fn, user, f"approve {symbol}")

    # -- user actions
    def _asset(self, symbol: str) -> str:
        return self.addresses.tokens[symbol]

    def supply(self, user: str, symbol: str, amount: int) -> TxReceipt:
        """`Pool.supply` on the user's own behalf."""
        fn = self.pool.functions.supply(self._asset(symbol), amount, user, 0)
        return self.chain.send(fn, user, f"supply {symbol}")

    def withdraw(self, user: str, symbol: str, amount: int) -> TxReceipt:
        """`Pool.withdraw` to the user (`MAX_UINT`: everything)."""
        fn = self.pool.functions.withdraw(self._asset(symbol), amount, user)
        return self.chain.send(fn, user, f"withdraw {symbol}")

    def borrow(self, user: str, symbol: str, amount: int) -> TxReceipt:
        """`Pool.borrow` at the variable rate."""
        fn = self.pool.functions.borrow(self._asset(symbol), amount, VARIABLE, 0, user)
        return self.chain.send(fn, user, f"borrow {symbol}")

    def repay(self, user: str, symbol: str, amount: int) -> TxReceipt:
        """`Pool.repay` of the variable debt (`MAX_UINT`: all of it)."""
        fn = self.pool.functions.repay(self._asset(symbol), amount, VARIABLE, user)
        return self.chain.send(fn, user, f"repay {symbol}")

    def use_as_collateral(self, user: str, symbol: str) -> TxReceipt:
        """`Pool.setUserUseReserveAsCollateral(asset, true)`."""
        fn = self.pool.functions.setUserUseReserveAsCollateral(self._asset(symbol), True)
        return self.chain.send(fn, user, f"use {symbol} as collateral")

    def set_emode(self, user: str, category: int) -> TxReceipt:
        """`Pool.setUserEMode`."""
        return self.chain.send(self.pool.functions.setUserEMode(category), user, "setUserEMode")

    def liquidate(
        self, liquidator: str, user: str, collateral: str, debt: str, amount: int = MAX_UINT
    ) -> TxReceipt:
        """`Pool.liquidationCall`, the liquidator receiving the underlying collateral."""
        fn = self.pool.functions.liquidationCall(
            self._asset(collateral), self._asset(debt), user, amount, False
        )
        return self.chain.send(fn, liquidator, "liquidationCall")
