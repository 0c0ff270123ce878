"""Assignment 5: WaveNet (van den Oord et al., 2016) as in makemore part 5: a hierarchy of layers that fuse two
neighbouring positions at a time."""
