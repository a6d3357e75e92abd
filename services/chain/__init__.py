"""Aave v3 on an EVM through web3.py: the npm-installed anvil and Aave artifacts, a local
market deployed from them, reads and writes of a market, and the verification of
Carry's Aave accounting against the real contracts."""
