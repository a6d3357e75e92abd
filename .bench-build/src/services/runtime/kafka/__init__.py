"""The Kafka transport: `KafkaBus` and the pieces it is made of.

The only package that imports aiokafka. `url` parses bus URLs, `client` makes
producers, consumers and topics, `wire` frames records, `gate` orders records by their
causal stamps, `loop` and `publish` consume and produce, `reader` reads a run back.
"""
