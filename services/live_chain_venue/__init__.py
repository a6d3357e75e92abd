"""The live on-chain venue: Aave v3 and a wallet through web3.py."""
