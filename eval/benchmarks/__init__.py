"""Benchmark scripts: each runs with `python -m eval.benchmarks.<name>` and prints a table.

They drive the same public APIs a user calls; the library modules of `eval` never import
them. Each doc in `docs/` gives the command and the numbers measured here.
"""
