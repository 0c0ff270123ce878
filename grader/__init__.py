"""makemore-numpy's grading engine, data module, training loop and CLI (``makemore``)."""
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent
