"""How fast: autoclusters, the columnar slot index, the prefilter and per-job candidate lists."""
