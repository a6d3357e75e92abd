"""Binance: spot, USD-M futures and the wallet (`sapi`)."""
