"""Deploy a local Aave v3 market from the `@aave/core-v3` artifacts.

The order follows Aave's own deployment: logic libraries, addresses provider, Pool and
PoolConfigurator implementations (linked), ACL, oracle, the two proxies, token
implementations, rate strategies, `initReserves`, then risk parameters and the e-mode
category. Test tokens (`MintableERC20`; `WETH9Mocked`, a WETH9 that also mints) stand in
for USDT, WETH, weETH and wstETH; each
has a `MockAggregator` price source (8 decimals of USD) whose answer is set in storage.
On a fresh node the same deployer gives the same addresses every time.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
import structlog

from services.chain.artifacts import Artifacts
from services.chain.rpc import Chain
from services.config.onchain import AaveConfig, RateStrategy

ZERO = "0x0000000000000000000000000000000000000000"
LIBRARIES = (
    "SupplyLogic",
    "BorrowLogic",
    "LiquidationLogic",
    "EModeLogic",
    "BridgeLogic",
    "ConfiguratorLogic",
    "PoolLogic",
)
PRICE_DECIMALS = 8
RAY = 10**27
log = structlog.get_logger()


class MarketAddresses(msgspec.Struct, frozen=True, kw_only=True):
    """Where a deployed market lives.

    Attributes:
        provider: PoolAddressesProvider.
        pool: the Pool proxy.
        configurator: the PoolConfigurator proxy.
        oracle: AaveOracle.
        data_provider: AaveProtocolDataProvider.
        treasury: receives reserve-factor interest and liquidation protocol fees.
        tokens: symbol -> underlying token.
        atokens: symbol -> aToken proxy.
        debt_tokens: symbol -> variable debt token proxy.
        price_sources: symbol -> price aggregator.
    """

    provider: str
    pool: str
    configurator: str
    oracle: str
    data_provider: str
    treasury: str
    tokens: dict[str, str]
    atokens: dict[str, str]
    debt_tokens: dict[str, str]
    price_sources: dict[str, str]


def bps(fraction: float) -> int:
    """A fraction as whole basis points."""
    return int(Decimal(str(fraction)) * 10_000)


def ray(fraction: float) -> int:
    """A fraction as a ray (1e27)."""
    return int(Decimal(str(fraction)) * RAY)


def price_units(usd: float) -> int:
    """A USD price in the oracle's 8 decimals."""
    return int(Decimal(str(usd)) * 10**PRICE_DECIMALS)


class Deployer:
    """Deploys contracts from the artifacts, one account paying.

    Args:
        chain: the node.
        artifacts: the compiled contracts.
        account: the deployer (owner and every admin role of the market).
    """

    def __init__(self, chain: Chain, artifacts: Artifacts, account: str) -> None:
        self.chain = chain
        self.artifacts = artifacts
        self.account = account
        self.libraries: dict[str, str] = {}

    def deploy(self, name: str, *args: object) -> str:
        """Deploy contract `name` (its libraries linked)."""
        art = self.artifacts.get(name)
        return self.chain.deploy(art.abi, art.linked(self.libraries), self.account, *args)

    def send(self, name: str, address: str, fn: str, *args: object) -> None:
        """Call `fn` of contract `name` at `address` in a transaction."""
        contract = self.chain.contract(address, self.artifacts.get(name).abi)
        self.chain.send(contract.functions[fn](*args), self.account, f"{name}.{fn}")

    def read(self, name: str, address: str, fn: str, *args: object) -> str:
        """Read an address-valued view."""
        contract = self.chain.contract(address, self.artifacts.get(name).abi)
        return str(self.chain.call(contract.functions[fn](*args)))


def deploy_market(
    chain: Chain,
    artifacts: Artifacts,
    config: AaveConfig,
    prices: dict[str, float],
    deployer: str,
    treasury: str,
) -> MarketAddresses:
    """Deploy and configure the market: reserves `config.reserves`, USD `prices`."""
    d = Deployer(chain, artifacts, deployer)
    for lib in LIBRARIES:
        d.libraries[lib] = d.deploy(lib)
    d.libraries["FlashLoanLogic"] = d.deploy("FlashLoanLogic")
    symbols = list(config.reserves)
    # WETH wraps ETH like the real WETH9 (deposit, withdraw) and mints like the others.
    tokens = {
        s: d.deploy("WETH9Mocked")
        if s == "WETH"
        else d.deploy("MintableERC20", s, s, config.reserves[s].decimals)
        for s in symbols
    }
    sources = {s: d.deploy("MockAggregator", price_units(prices[s])) for s in symbols}

    provider = d.deploy("PoolAddressesProvider", "Carry local", deployer)
    pool_impl = d.deploy("Pool", provider)
    d.send("Pool", pool_impl, "initialize", provider)
    conf_impl = d.deploy("PoolConfigurator")
    d.send("PoolConfigurator", conf_impl, "initialize", provider)
    d.send("PoolAddressesProvider", provider, "setACLAdmin", deployer)
    acl = d.deploy("ACLManager", provider)
    d.send("PoolAddressesProvider", provider, "setACLManager", acl)
    for role in ("addPoolAdmin", "addEmergencyAdmin", "addRiskAdmin"):
        d.send("ACLManager", acl, role, deployer)
    assets = [tokens[s] for s in symbols]
    oracle = d.deploy(
        "AaveOracle",
        provider,
        assets,
        [sources[s] for s in symbols],
        ZERO,
        ZERO,
        10**PRICE_DECIMALS,
    )
    d.send("PoolAddressesProvider", provider, "setPriceOracle", oracle)
    data_provider = d.deploy("AaveProtocolDataProvider", provider)
    d.send("PoolAddressesProvider", provider, "setPoolDataProvider", data_provider)
    # The configurator caches the pool proxy when it is initialised: pool first.
    d.send("PoolAddressesProvider", provider, "setPoolImpl", pool_impl)
    d.send("PoolAddressesProvider", provider, "setPoolConfiguratorImpl", conf_impl)
    pool = d.read("PoolAddressesProvider", provider, "getPool")
    configurator = d.read("PoolAddressesProvider", provider, "getPoolConfigurator")

    impls = _token_implementations(d, pool)
    strategies = {
        name: _rate_strategy(d, provider, curve) for name, curve in sorted(config.rates.items())
    }
    inputs = [
        (
            impls["AToken"],
            impls["StableDebtToken"],
            impls["VariableDebtToken"],
            config.reserves[s].decimals,
            strategies[config.reserves[s].rates],
            tokens[s],
            treasury,
            ZERO,
            f"Aave {s}",
            f"a{s}",
            f"Aave variable debt {s}",
            f"variableDebt{s}",
            f"Aave stable debt {s}",
            f"stableDebt{s}",
            b"\x10",
        )
        for s in symbols
    ]
    d.send("PoolConfigurator", configurator, "initReserves", inputs)
    _configure(d, configurator, config, tokens)

    atokens, debts = {}, {}
    for s in symbols:
        data = chain.call(
            chain.contract(pool, artifacts.get("Pool").abi).functions.getReserveData(tokens[s])
        )
        atokens[s], debts[s] = str(data[8]), str(data[10])
    market = MarketAddresses(
        provider=provider,
        pool=pool,
        configurator=configurator,
        oracle=oracle,
        data_provider=data_provider,
        treasury=treasury,
        tokens=tokens,
        atokens=atokens,
        debt_tokens=debts,
        price_sources=sources,
    )
    log.info("aave_market_deployed", pool=pool, reserves=symbols)
    return market


def _token_implementations(d: Deployer, pool: str) -> dict[str, str]:
    """AToken and debt token implementations, initialised once to lock them."""
    a = d.deploy("AToken", pool)
    d.send("AToken", a, "initialize", pool, ZERO, ZERO, ZERO, 0, "ATOKEN_IMPL", "ATOKEN_IMPL", b"")
    out = {"AToken": a}
    for name in ("StableDebtToken", "VariableDebtToken"):
        impl = d.deploy(name, pool)
        d.send(name, impl, "initialize", pool, ZERO, ZERO, 0, "DEBT_IMPL", "DEBT_IMPL", b"")
        out[name] = impl
    return out


def _rate_strategy(d: Deployer, provider: str, curve: RateStrategy) -> str:
    """A variable-rate strategy (stable borrowing stays disabled: its slopes are 0)."""
    return d.deploy(
        "DefaultReserveInterestRateStrategy",
        provider,
        ray(curve.optimal_usage),
        ray(curve.base),
        ray(curve.slope1),
        ray(curve.slope2),
        0,
        0,
        0,
        0,
        0,
    )


def _configure(d: Deployer, configurator: str, config: AaveConfig, tokens: dict[str, str]) -> None:
    """Risk parameters per reserve, then the e-mode category and its members."""
    conf = "PoolConfigurator"
    for s, r in config.reserves.items():
        asset = tokens[s]
        bonus = 10_000 + bps(r.liquidation_bonus)
        lt, ltv = bps(r.liquidation_threshold), bps(r.ltv)
        d.send(conf, configurator, "configureReserveAsCollateral", asset, ltv, lt, bonus)
        d.send(conf, configurator, "setReserveBorrowing", asset, True)
        d.send(conf, configurator, "setReserveFlashLoaning", asset, True)
        d.send(conf, configurator, "setReserveFactor", asset, bps(r.reserve_factor))
        d.send(
            conf, configurator, "setLiquidationProtocolFee", asset, bps(r.liquidation_protocol_fee)
        )
    e = config.emode
    d.send(
        conf,
        configurator,
        "setEModeCategory",
        e.category,
        bps(e.ltv),
        bps(e.liquidation_threshold),
        10_000 + bps(e.liquidation_bonus),
        ZERO,
        e.label,
    )
    for s, r in config.reserves.items():
        if r.emode:
            d.send(conf, configurator, "setAssetEModeCategory", tokens[s], e.category)
