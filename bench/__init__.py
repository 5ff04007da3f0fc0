"""Benchmarks (`make bench`): each bench/bench_*.py has a main() printing its figures."""
