"""Venue adapters on ccxt's async API: one thin capability table per exchange
(`binance/`, `bybit/`, `okx/`: options, accounts, error codes, units) and the shared
code that uses them (`client`, `cex`, `errors`)."""
