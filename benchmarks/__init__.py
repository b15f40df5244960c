"""Benchmarks (run by hand): the scale benchmark and its peers."""
