"""A second correct a5, in yet another style."""
