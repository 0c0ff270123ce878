"""A correct a5 written another way."""
