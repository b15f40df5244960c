"""Peer implementations of a few rules, for speed comparison and as independent oracles."""
