"""Liquid-staking venues: EtherFi (weETH, 7-day unstake queue) and Lido (wstETH)."""
