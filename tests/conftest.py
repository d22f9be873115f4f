"""Shared test settings."""

import os

from hypothesis import settings

# Fuzzing is deterministic in CI (a red CI must be reproducible) and has no per-example deadline: speed is measured by
# tests/benchmarks/bench_expressions.py, not asserted here.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
