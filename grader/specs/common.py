"""Known mistakes shared by several assignments' specs."""
import numpy as np


def repeated_index_mistake(idx: np.ndarray, dout: np.ndarray, table_shape: tuple, what: str) -> list:
    """What ``table[idx] = dout`` (assignment, last write wins) gives instead of a scatter-add."""
    flat_idx = idx.reshape(-1)
    if len(np.unique(flat_idx)) == len(flat_idx):
        return []
    wrong = np.zeros(table_shape)
    wrong[flat_idx] = dout.reshape(len(flat_idx), -1)
    return [(f"it equals {what}[idx] = dout (assignment): a token that appears several times in idx must "
             "receive the sum of its gradients; use np.add.at(d, idx, dout)", wrong)]


def repeated_rows(idx: np.ndarray, table_shape: tuple) -> np.ndarray:
    """Mask of the table rows whose token appears more than once in idx."""
    counts = np.bincount(idx.reshape(-1), minlength=table_shape[0])
    return np.broadcast_to((counts > 1)[:, None], table_shape)


def with_repeats(idx: np.ndarray) -> np.ndarray:
    """Make sure at least one token repeats, so an assignment instead of a sum cannot pass."""
    flat = idx.reshape(-1)
    if flat.size >= 2:
        flat[1] = flat[0]
    return flat.reshape(idx.shape)
