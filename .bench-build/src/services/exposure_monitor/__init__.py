"""Exposure monitor: native amounts to USD and share-class values."""
