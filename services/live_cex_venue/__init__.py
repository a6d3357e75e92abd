"""Live CEX venue actor: orders, fills, funding and balances through ccxt."""
