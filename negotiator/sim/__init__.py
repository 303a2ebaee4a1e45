"""Pools through time: cycles run with an injected clock, scenario files."""
