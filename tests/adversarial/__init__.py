"""A corpus of hostile and broken submissions (tests/adversarial/cases.py), graded by tests/test_sandbox.py."""
