"""A correct a3 written another way."""
