"""CEX venue simulator: spot and USDT-margined perps on binance, bybit and okx."""
