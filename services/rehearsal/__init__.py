"""The exchange rehearsal server: local servers speaking the Binance, Bybit and OKX REST
APIs that ccxt uses (real paths, envelopes, signatures and error codes), replaying
recorded market data in accelerated time against balances of their own.

The venue-agnostic core (`clock`, `market`, `book`, `network`) keeps time, prices and
accounts; each exchange dialect (`binance/`, `bybit/`, `okx/`) only translates its wire
format to and from the core.
"""
