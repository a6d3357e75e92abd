"""Clock actor: sends `Tick(t+1)` once step t's chain has closed with its P&L report."""
