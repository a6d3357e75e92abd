"""Valuation of ledger positions: one rule per position key, shared by exposure and P&L."""
