"""Submissions for testing the grader: buggy variants of the reference (bugs.py) and correct alternatives."""
