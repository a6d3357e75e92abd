"""The Bybit v5 dialect: unified trading account, `retCode` envelopes."""
