"""A second correct a3, in yet another style."""
