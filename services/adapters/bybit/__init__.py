"""Bybit v5: the unified trading account and the funding account."""
