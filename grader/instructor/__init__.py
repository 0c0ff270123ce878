"""The instructor's tools: what turns the kit into a course.

- ``submissions.py``: every kind of entry (folder, zip, notebook, single .py) becomes a gradable folder,
  with notes on what was missing, renamed or unreadable.
- ``notebooks.py``: one Jupyter notebook per assignment, built from the stubs; the ``check`` a notebook runs.
- ``batch.py``: a whole class graded in a pool of workers, resumable, one result line per student.
- ``gradebook.py``: gradebook.csv, per-student feedback and the class summary, from results.jsonl.
- ``gradescope.py``: Gradescope's results.json and the autograder zip.
- ``release.py``: the student bundle (no reference, no hidden check).

The student bundle ships ``submissions.py`` and ``notebooks.py`` (a student grades a notebook or a zip
locally) but not ``batch``, ``gradebook``, ``gradescope`` or ``release``.
"""
