"""`make bench`: benchmarks of the bridge against the mock Hestia; `python -m bench` rewrites bench/RESULTS.md.

Benchmarks are never timed tests: the suite (tests/bench) only checks that the harness runs on tiny sizes.
"""
