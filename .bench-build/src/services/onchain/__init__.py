"""Shared on-chain mechanics (gas, Aave accounts) used by the on-chain venue actors."""
