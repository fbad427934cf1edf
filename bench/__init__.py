"""Benchmarks (`make bench`): request timings and query counts on a throwaway database."""
