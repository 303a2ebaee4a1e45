"""Benchmarks: a realistic pool generator and measurements against the C++ library."""
