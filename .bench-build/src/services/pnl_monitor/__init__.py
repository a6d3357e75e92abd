"""P&L monitor: balance-based P&L and its attribution, reconciled every step."""
