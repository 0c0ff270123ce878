"""Assignment 2, written differently from the reference (see ../README.md)."""
