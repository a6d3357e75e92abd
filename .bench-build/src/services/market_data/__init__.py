"""Market data actor: replays the dataset as one `MarketSnapshot` per step."""
