"""One module per assignment, each with ``MODELS = [BenchModel(...)]`` (see grader/bench/registry.py)."""
