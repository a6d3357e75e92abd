"""Aave v3 venue simulator: supply and withdraw with index accounting."""
