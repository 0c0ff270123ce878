"""Assignment 3: activations, initialisation and BatchNorm (makemore part 3), with the lecture's diagnostics."""
