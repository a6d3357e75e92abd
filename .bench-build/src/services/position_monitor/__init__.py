"""Position monitor: the ledger, changed only by the five triggers."""
