"""Assignment 4: Backprop Ninja. The lecture's 2-layer MLP with BatchNorm, written as a chain of elementary
operations; you backpropagate through it by hand, one intermediate at a time (manual_backward.py), then in two
fused expressions (fused.py), then train the network with nothing but your own gradients (network.py)."""
