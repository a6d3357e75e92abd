"""Live market data actor: venue prices and funding through ccxt, one snapshot per tick."""
