"""Strategies: what each mode holds, and the orders that get it there."""
