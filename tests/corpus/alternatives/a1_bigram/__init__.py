"""Assignment 1, written differently from the reference (see ../README.md)."""
