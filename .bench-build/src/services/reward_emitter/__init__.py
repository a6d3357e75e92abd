"""Reward emitter: EtherFi's EIGEN and ETHFI drops as `SeasonalReward` triggers."""
