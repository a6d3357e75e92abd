"""Connect a `chain` venue of the venues file: the node, the Aave market found from its
addresses provider, the wallet's signer (its private key from the environment or a
secret file) and its loop contract."""

from __future__ import annotations

from services.aave_venue.ops import AaveOps
from services.chain.artifacts import Artifacts
from services.chain.discover import discover_market
from services.chain.loop import loop_contract
from services.chain.market import AaveMarket
from services.chain.rpc import Chain
from services.chain.signer import Signer
from services.chain.venue import ChainVenue
from services.config.live import LiveConfig
from services.config.run import RunConfig
from services.errors import ChainError, ConfigError
from services.live.secrets import read_secrets, rpc_url
from services.onchain.aave import RESERVES
from services.valuation.keys import declared_keys, parse_key


def reserves_of(keys: list[str]) -> list[str]:
    """The Aave reserves the run's keys hold (WETH always: the loop's debt and gas)."""
    held = {"WETH"}
    for key in keys:
        _, kind, symbol = parse_key(key)
        if kind in ("aToken", "debtToken", "LST"):
            held.add(symbol.removeprefix("a").removeprefix("debt"))
        elif kind == "BaseToken" and symbol == "USDT":
            held.add("USDT")
    return [r for r in RESERVES if r in held]


def _market(venue: str, live: LiveConfig, keys: list[str]) -> AaveMarket:
    """The venue's node and the Aave market its addresses provider names."""
    spec = live.venues[venue]
    if not spec.aave_provider:
        raise ConfigError(
            f"venue {venue}: a chain venue needs aave_provider (the PoolAddressesProvider)",
            "add it to its [venues] table",
        )
    artifacts = Artifacts()
    chain = Chain(
        rpc_url(venue, spec),
        timeout=spec.timeout_ms / 1000,
        retries=live.retries,
        backoff=live.backoff_s,
        errors=artifacts.error_names(),
    )
    addresses = discover_market(chain, artifacts, spec.aave_provider, reserves_of(keys))
    return AaveMarket(chain, artifacts, addresses)


def connect(venue: str, live: LiveConfig, ops: AaveOps, keys: list[str]) -> ChainVenue:
    """The venue's connection; `ConfigError` naming what is missing."""
    spec = live.venues[venue]
    market = _market(venue, live, keys)
    chain = market.chain
    key = read_secrets(venue, spec).key
    signer = Signer(chain, key, spec.confirmations, spec.tx_timeout_s) if key else None
    loop = loop_contract(chain, market.artifacts, spec.loop) if spec.loop else None
    if signer is not None and live.trade:
        _align_emode(market, signer, ops)
    venue_ = ChainVenue(market, signer, ops, loop)
    if signer is None:
        if not spec.address:
            raise ConfigError(
                f"venue {venue}: without a private key the wallet to read must be named",
                'set address = "0x..." (or key_env/key_file to trade)',
            )
        venue_.wallet = chain.w3.to_checksum_address(spec.address)
    return venue_


def market_of(venue: str, live: LiveConfig, config: RunConfig) -> tuple[AaveMarket, str]:
    """The market of a chain venue for reading only, and an address to batch reads with."""
    market = _market(venue, live, sorted(declared_keys(config)))
    return market, market.addresses.treasury


def _align_emode(market: AaveMarket, signer: Signer, ops: AaveOps) -> None:
    """Put the wallet in (or out of) e-mode as the run's mode expects."""
    want = ops.risk.config.emode.category if ops.risk.emode else 0
    if market.user_emode(signer.address) == want:
        return
    outcome = signer.send(market.pool.functions.setUserEMode(want), "setUserEMode")
    if not outcome.ok:
        raise ChainError(
            f"the wallet cannot {'enter' if want else 'leave'} e-mode: {outcome.reason}",
            "repay the debts outside the category, or run the mode with emode=false",
        )
