"""Skala's benchmarks: `make bench` (or `python -m bench`) runs them and compares with the baseline."""
