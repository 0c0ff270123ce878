"""Your code. Each folder is one assignment: fill in every ``raise NotImplementedError`` (see README.md).

Run ``makemore grade`` to check your work, ``makemore train MODEL`` to train what you wrote.
"""
