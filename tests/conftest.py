"""Hypothesis profiles for the kit's tests: "default" (CI) and "thorough" (many more examples).

Run the thorough profile with: python -m pytest --hypothesis-profile=thorough
"""
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=15, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")
