"""Funding settler: posts perp funding at each venue's settlement times."""
