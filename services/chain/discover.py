"""Find an Aave v3 market's contracts from its PoolAddressesProvider (any network).

The provider names the Pool, configurator, oracle and data provider; the Pool lists its
reserves, each naming its aToken and variable debt token; the oracle names each asset's
price source. Symbols are the tokens' own `symbol()`.
"""

from __future__ import annotations

from typing import Any

from services.chain.artifacts import Artifacts
from services.chain.deploy import MarketAddresses
from services.chain.rpc import Chain
from services.errors import ChainError


def discover_market(
    chain: Chain, artifacts: Artifacts, provider: str, symbols: list[str]
) -> MarketAddresses:
    """The addresses of the market behind `provider`, for the reserves `symbols`."""
    get = artifacts.get
    p = chain.contract(provider, get("PoolAddressesProvider").abi).functions
    pool_address = str(chain.call(p.getPool()))
    pool = chain.contract(pool_address, get("Pool").abi).functions
    oracle_address = str(chain.call(p.getPriceOracle()))
    oracle = chain.contract(oracle_address, get("AaveOracle").abi).functions
    erc20 = get("MintableERC20").abi
    listed: dict[str, str] = {}
    for asset in chain.call(pool.getReservesList()):
        symbol = str(chain.call(chain.contract(asset, erc20).functions.symbol()))
        listed[symbol] = str(asset)
    missing = [s for s in symbols if s not in listed]
    if missing:
        raise ChainError(
            f"the Aave market of provider {provider} lists no {', '.join(missing)} "
            f"(it lists {', '.join(sorted(listed))})",
            "check the provider address and the chain the RPC URL serves",
        )
    data: dict[str, Any] = {s: chain.call(pool.getReserveData(listed[s])) for s in symbols}
    atoken = get("AToken").abi
    first = chain.contract(str(data[symbols[0]][8]), atoken).functions
    return MarketAddresses(
        provider=provider,
        pool=pool_address,
        configurator=str(chain.call(p.getPoolConfigurator())),
        oracle=oracle_address,
        data_provider=str(chain.call(p.getPoolDataProvider())),
        treasury=str(chain.call(first.RESERVE_TREASURY_ADDRESS())),
        tokens={s: listed[s] for s in symbols},
        atokens={s: str(data[s][8]) for s in symbols},
        debt_tokens={s: str(data[s][10]) for s in symbols},
        price_sources={s: str(chain.call(oracle.getSourceOfAsset(listed[s]))) for s in symbols},
    )
