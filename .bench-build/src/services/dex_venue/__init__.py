"""DEX venue: market sales of LSTs and reward tokens, with the cost table and gas."""
