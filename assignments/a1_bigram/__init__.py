"""Assignment 1: the bigram model, by counting and as a one-layer network trained by hand."""
