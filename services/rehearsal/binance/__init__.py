"""The Binance dialect: spot `/api/v3`, USD-M futures `/fapi`, wallet `/sapi`."""
