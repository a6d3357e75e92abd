"""NautilusTrader on the same hourly BTCUSDT bars: a strategy that sells one perp and holds.

Runs in the bench environment (`make bench` creates it), never in Carry's. Prints one
JSON line: seconds spent importing NautilusTrader, loading the bars from the CSV file,
building the engine, in `engine.run` and writing the reports, and the bar count.

    .bench-venv/bin/python bench/nautilus_hold.py --data DIR --start 2024-01-01 \
        --end 2025-09-01 --out DIR
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig  # noqa: E402
from nautilus_trader.config import LoggingConfig, StrategyConfig  # noqa: E402
from nautilus_trader.model.currencies import USDT  # noqa: E402
from nautilus_trader.model.data import Bar, BarType  # noqa: E402
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide  # noqa: E402
from nautilus_trader.model.identifiers import InstrumentId, Venue  # noqa: E402
from nautilus_trader.model.objects import Money, Quantity  # noqa: E402
from nautilus_trader.persistence.wranglers import BarDataWrangler  # noqa: E402
from nautilus_trader.test_kit.providers import TestInstrumentProvider  # noqa: E402
from nautilus_trader.trading.strategy import Strategy  # noqa: E402

IMPORTED = time.perf_counter()
PERP_FILE = (
    "market_data/derivatives/futures_ohlcv/binance_BTCUSDT_perp_1h_2024-01-01_2025-09-30.csv"
)


class HoldShortConfig(StrategyConfig, frozen=True):
    """The instrument, its bars and the size to sell."""

    instrument_id: InstrumentId
    bar_type: BarType
    quantity: Decimal


class HoldShort(Strategy):
    """Sells `quantity` at the first bar, then holds; counts the bars it sees."""

    def __init__(self, config: HoldShortConfig) -> None:
        super().__init__(config)
        self.bars = 0
        self.sold = False

    def on_start(self) -> None:
        """Subscribe to the bars."""
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        """Sell once; afterwards only hold."""
        self.bars += 1
        if not self.sold:
            order = self.order_factory.market(
                instrument_id=self.config.instrument_id,
                order_side=OrderSide.SELL,
                quantity=Quantity.from_str(str(self.config.quantity)),
            )
            self.submit_order(order)
            self.sold = True


def main() -> None:
    """Load, build, run, write; print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-09-01")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    frame = pd.read_csv(Path(args.data) / PERP_FILE, usecols=[0, 1, 2, 3, 4, 5])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame = frame.set_index("timestamp")
    frame = frame[(frame.index >= args.start) & (frame.index < args.end)]
    instrument = TestInstrumentProvider.btcusdt_perp_binance()
    bar_type = BarType.from_str(f"{instrument.id}-1-HOUR-LAST-EXTERNAL")
    bars = BarDataWrangler(bar_type, instrument).process(frame)
    loaded = time.perf_counter()

    engine = BacktestEngine(
        BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR", bypass_logging=True))
    )
    engine.add_venue(
        venue=Venue("BINANCE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        base_currency=None,
        starting_balances=[Money(100_000, USDT)],
    )
    engine.add_instrument(instrument)
    engine.add_data(bars)
    strategy = HoldShort(
        HoldShortConfig(instrument_id=instrument.id, bar_type=bar_type, quantity=Decimal("1.000"))
    )
    engine.add_strategy(strategy)
    built = time.perf_counter()

    cpu = time.process_time()
    engine.run()
    ran = time.perf_counter()
    cpu = time.process_time() - cpu

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine.trader.generate_account_report(Venue("BINANCE")).to_csv(out / "account.csv")
    engine.trader.generate_positions_report().to_csv(out / "positions.csv")
    engine.trader.generate_order_fills_report().to_csv(out / "fills.csv")
    written = time.perf_counter()
    engine.dispose()
    figures = {
        "bars": strategy.bars,
        "import_s": round(IMPORTED - STARTED, 3),
        "load_s": round(loaded - IMPORTED, 3),
        "build_s": round(built - loaded, 3),
        "run_s": round(ran - built, 3),
        "write_s": round(written - ran, 3),
        "run_cpu_s": round(cpu, 3),
    }
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
