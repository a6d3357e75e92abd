"""The synthetic sample dataset: seeded, written in the real data folder's layout."""
