"""Reference implementations (hidden from students): the single source of truth for the solutions.

Solution regions are framed by ``### BEGIN SOLUTION`` / ``### END SOLUTION``; ``makemore generate`` writes
``assignments/`` from these files with every region replaced by a stub that raises NotImplementedError.
"""
