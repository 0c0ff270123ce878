"""Assignment 7: a Transformer language model (makemore.py's, the GPT-2 shape) with every backward by hand."""
