"""OKX v5: the trading account, the funding account, swap sizes in contracts."""
