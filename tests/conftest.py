"""Hypothesis profiles for the kit's tests: "default" (CI) and "thorough" (many more examples).

Run the thorough profile with: python -m pytest --hypothesis-profile=thorough
"""
import itertools
import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from tests.submission import copy_submission

settings.register_profile("default", max_examples=15, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

# `makemore grade` keeps each assignment's last grade for `makemore list` beside the graded folder; the kit's own
# tests grade the checkout's assignments/, and must not write into the checkout they test (their subprocesses
# inherit this too).
os.environ.setdefault("MAKEMORE_STATE_DIR", tempfile.mkdtemp(prefix="makemore-test-state-"))


@pytest.fixture
def submission(tmp_path):
    """make(*(file, old, new), source=REFERENCE) -> a new submission folder: the source's packages with the
    changes applied. Each call makes a fresh folder."""
    counter = itertools.count()

    def make(*changes, **options):
        return copy_submission(tmp_path / f"submission{next(counter)}", *changes, **options)

    return make
