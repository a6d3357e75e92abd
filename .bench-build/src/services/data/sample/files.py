"""Writing the synthetic sample's files: real folder layout, real file names, fixed formatting.

Numbers are written with fixed decimals so the bytes do not depend on float printing, and
lines end in ``\\n`` on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.data.sample.folder import readme_text
from services.data.times import TimeFormat

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Bars = tuple[FloatArray, FloatArray, FloatArray, FloatArray]

_RESERVES = {
    "USDT": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
    "WETH": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    "weETH": "0xCd5fE23C85820F7B72D0926FC9b05b43E359b7ee",
    "wstETH": "0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0",
}
_SOURCE = "carry_synthetic_sample"
_OHLC_HEADER = (
    "timestamp",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "source",
    "symbol",
    "data_type",
)


def stamps(ts: IntArray, fmt: TimeFormat) -> list[str]:
    """Format ns UTC stamps in one of the data files' spellings."""
    if fmt == "unix_s":
        return [str(t) for t in (ts // 1_000_000_000).tolist()]
    if fmt == "date":
        days = ts.astype("datetime64[ns]").astype("datetime64[D]")
        return [str(d) for d in np.datetime_as_string(days, unit="D")]
    text = np.datetime_as_string(ts.astype("datetime64[ns]").astype("datetime64[s]"), unit="s")
    if fmt == "iso_z":
        return [f"{t}Z" for t in text]
    if fmt == "iso_offset_z":
        return [f"{t}+00:00Z" for t in text]
    return [f"{str(t).replace('T', ' ')}+00:00" for t in text]


def fmt(values: FloatArray, spec: str) -> list[str]:
    """Format floats with a fixed format spec (``.2f``, ``.8f``, ``.12g``)."""
    return [format(v, spec) for v in values.tolist()]


class SampleWriter:
    """Writes one sample folder; file names carry the window's start and end dates."""

    def __init__(self, root: Path, start: str, end: str) -> None:
        self.root = root
        self.span = f"{start}_{end}"
        self.start = start
        self.end = end
        self.files: list[str] = []

    def write(
        self,
        rel: str,
        header: Sequence[str],
        columns: Sequence[Sequence[str]],
        comments: Sequence[str] = (),
    ) -> None:
        """Write one CSV (optionally with leading '#' comment lines)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"# {c}" for c in comments]
        lines.append(",".join(header))
        lines.extend(",".join(row) for row in zip(*columns, strict=True))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
        self.files.append(rel)

    def ohlc_csv(
        self,
        venue: str,
        market: str,
        symbol: str,
        hours: IntArray,
        bars: Bars,
        rng: np.random.Generator,
    ) -> None:
        """A CEX 1h OHLC file (spot or perp)."""
        base = symbol.removesuffix("USDT")
        if market == "perp":
            folder, name = "derivatives/futures_ohlcv", f"{venue}_{symbol}_perp_1h"
        else:
            infix = "" if venue == "binance" else "_spot"
            folder, name = f"spot_prices/{base.lower()}_usd", f"{venue}_{symbol}{infix}_1h"
        rel = f"market_data/{folder}/{name}_{self.span}.csv"
        volume = np.round(rng.lognormal(6.0 if base == "BTC" else 8.5, 0.5, len(hours)), 3)
        n = len(hours)
        self.write(
            rel,
            _OHLC_HEADER,
            (
                stamps(hours, "iso_z"),
                *(fmt(b, ".2f") for b in bars),
                fmt(volume, ".3f"),
                [f"{venue}_synthetic"] * n,
                [symbol] * n,
                ["futures" if market == "perp" else "spot"] * n,
            ),
        )

    def uniswap_csv(
        self,
        base: str,
        quote: str,
        folder: str,
        hours: IntArray,
        bars: Bars,
        rng: np.random.Generator,
    ) -> None:
        """A Uniswap v3 1h OHLC file (unix-second stamps, price of ``base`` in ``quote``)."""
        rel = f"market_data/spot_prices/{folder}/uniswapv3_{base}{quote}_1h_{self.span}.csv"
        volume = np.round(rng.lognormal(10.0, 0.8, len(hours)), 2)
        n = len(hours)
        self.write(
            rel,
            ("timestamp", "open", "high", "low", "close", "volume", "base_token", "quote_token"),
            (
                stamps(hours, "unix_s"),
                *(fmt(b, ".10g") for b in bars),
                fmt(volume, ".2f"),
                [base] * n,
                [quote] * n,
            ),
        )

    def funding_csv(self, venue: str, symbol: str, stamps8: IntArray, rates: FloatArray) -> None:
        """A funding-rate file: one row per 8h settlement."""
        rel = (
            f"market_data/derivatives/funding_rates/{venue}_{symbol}_funding_rates_{self.span}.csv"
        )
        n = len(stamps8)
        self.write(
            rel,
            ("funding_timestamp", "funding_rate", "symbol", "source"),
            (stamps(stamps8, "iso_z"), fmt(rates, ".8f"), [symbol] * n, [_SOURCE] * n),
        )

    def aave_csv(
        self,
        asset: str,
        days: IntArray,
        liq: FloatArray,
        supply: FloatArray,
        bor: FloatArray,
        borrow: FloatArray,
        price: FloatArray,
        util: float,
    ) -> None:
        """An Aave v3 daily reserve file: indices, rates, totals."""
        rel = f"protocol_data/aave/rates/aave_v3_aave-v3-ethereum_{asset}_rates_{self.span}.csv"
        n = len(days)
        supplied = 4.0e8 / np.maximum(price, 1e-9)
        self.write(
            rel,
            (
                "targetDate",
                "timestamp",
                "blockNumber",
                "reserve",
                "symbol",
                "liquidityIndex",
                "currentLiquidityRate",
                "variableBorrowIndex",
                "currentVariableBorrowRate",
                "totalAToken",
                "totalVariableDebt",
                "price",
                "date",
            ),
            (
                stamps(days, "iso_z"),
                stamps(days, "unix_s"),
                [str(18_908_894 + 7_150 * i) for i in range(n)],
                [_RESERVES[asset]] * n,
                [asset] * n,
                fmt(liq, ".16f"),
                fmt(supply, ".10f"),
                fmt(bor, ".16f"),
                fmt(borrow, ".10f"),
                fmt(supplied, ".2f"),
                fmt(supplied * util, ".2f"),
                fmt(price, ".6f"),
                stamps(days, "date"),
            ),
        )

    def oracle_csv(
        self, asset: str, quote: str, ts: IntArray, values: FloatArray, daily: bool = False
    ) -> None:
        """An Aave oracle file, with the '#' comment lines the real ones have."""
        rel = f"protocol_data/aave/oracle/{asset}_{quote}_oracle_{self.span}.csv"
        column = "oracle_price_eth" if quote == "ETH" else "oracle_price_usd"
        n = len(ts)
        self.write(
            rel,
            ("timestamp", column, "asset", "source", "quote_currency"),
            (
                stamps(ts, "unix_s" if daily else "iso_space_offset"),
                fmt(values, ".10f" if quote == "ETH" else ".8f"),
                [asset] * n,
                [_SOURCE] * n,
                [quote] * n,
            ),
            comments=(
                f"Source: {_SOURCE}",
                f"Asset: {asset}",
                f"Quote_currency: {quote}",
                f"Records: {n}",
            ),
        )

    def yields_csv(self, lst: str, days: IntArray, apy: FloatArray) -> None:
        """A daily base-yield file (weETH layout: one row per day)."""
        rel = f"protocol_data/staking/base_yields/{lst.lower()}_oracle_yields_{self.span}.csv"
        n = len(days)
        self.write(
            rel,
            ("date", "timestamp", "protocol", "symbol", "base_staking_apy"),
            (
                stamps(days, "date"),
                stamps(days, "iso_offset_z"),
                ["etherfi" if lst == "weETH" else "lido"] * n,
                [lst] * n,
                fmt(apy, ".10f"),
            ),
        )

    def gas_csv(self, hours: IntArray, gwei: FloatArray) -> None:
        """The hourly Ethereum gas price file."""
        rel = f"blockchain_data/gas_prices/ethereum_gas_prices_{self.span}.csv"
        n = len(hours)
        self.write(
            rel,
            ("timestamp", "chain", "gas_price_gwei", "source"),
            (stamps(hours, "iso_z"), ["ethereum"] * n, fmt(gwei, ".2f"), [_SOURCE] * n),
        )

    def peg_csv(self, lst: str, hours: IntArray, protocol: FloatArray, market: FloatArray) -> None:
        """An hourly LST peg file: market (DEX) rate against the protocol rate."""
        rel = f"protocol_data/staking/peg_analysis/{lst}_peg_analysis_{self.span}.csv"
        n = len(hours)
        self.write(
            rel,
            (
                "timestamp",
                "protocol_rate",
                "asset",
                "quote_currency",
                "market_rate",
                "peg_premium_percent",
            ),
            (
                stamps(hours, "iso_space_offset"),
                fmt(protocol, ".10f"),
                [lst] * n,
                ["ETH"] * n,
                fmt(market, ".10f"),
                fmt((market / protocol - 1.0) * 100.0, ".6f"),
            ),
        )

    def readme(
        self,
        seed: int,
        eth_shock: float | None,
        shock_at: str | None,
        lst_shock: float | None = None,
    ) -> None:
        """README.txt saying what this folder is (no generation time: it is deterministic)."""
        text = readme_text(
            seed, self.start, self.end, eth_shock, shock_at, sorted(self.files), lst_shock
        )
        (self.root / "README.txt").write_text(text, encoding="utf-8", newline="\n")
