"""Carry's message contract: every event on every topic, with no I/O and no service imports.

Amounts are floats in native units (BTC, USDT, scaled aToken balances); prices are in the
quote of their key (USDT for CEX pairs, ETH for LST rates). IEEE doubles carry 15-16
significant digits: a 1e9 USDT book is exact to 1e-6 USDT, far below any fee or rounding
a venue applies, so float is enough. Times are int nanoseconds since the Unix epoch, UTC.
"""
