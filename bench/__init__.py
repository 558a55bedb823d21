"""Benchmark of the Zoom OAuth app provider against its floors: direct HTTP calls,
a provider that does nothing, and a plain provider. Run it with ``make bench``."""
