"""Assignment 2: the MLP language model of Bengio et al. (2003), layer by layer."""
