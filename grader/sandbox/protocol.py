"""What crosses between the grader (parent) and the student's process (child): data, never code.

A message is a JSON header plus named arrays in NumPy's .npy format, read back with ``allow_pickle=False``, so
reading a message cannot run anything. The parent treats every message from the child as hostile: sizes are
capped before reading, every array is checked to be a plain ``np.ndarray`` of a numeric dtype.

Frame: b"MMNP" | u64 total length | u32 header length | header JSON | for each array: u64 length | .npy bytes.
The header lists the array names in order under "_arrays".
"""
from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import time

import numpy as np
from dataclasses import dataclass

MAGIC = b"MMNP"
ALLOWED_KINDS = "biuf"  # bool, signed and unsigned integers, floats: nothing with Python objects inside
MAX_HEADER = 4 << 20


class ProtocolError(Exception):
    """A message that is malformed, too large or holds something other than plain data."""


def encode(header: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    arrays = arrays or {}
    header = dict(header, _arrays=list(arrays))
    head = json.dumps(header, allow_nan=True).encode()
    parts = [struct.pack("<I", len(head)), head]
    for value in arrays.values():
        buf = io.BytesIO()
        value = np.asarray(value)
        # ascontiguousarray would turn a 0-d array into 1-d; keep the shape exactly.
        np.lib.format.write_array(buf, value if value.flags.c_contiguous else value.copy(order="C"), allow_pickle=False)
        blob = buf.getvalue()
        parts += [struct.pack("<Q", len(blob)), blob]
    body = b"".join(parts)
    return MAGIC + struct.pack("<Q", len(body)) + body


def decode(body: bytes, max_elements: int = 50_000_000) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse a frame body (after magic and length). Raises ProtocolError on anything but plain data."""
    try:
        (head_len,) = struct.unpack_from("<I", body, 0)
        if head_len > MAX_HEADER:
            raise ProtocolError("header too large")
        header = json.loads(body[4:4 + head_len].decode())
        if type(header) is not dict or type(header.get("_arrays")) is not list:
            raise ProtocolError("header is not an object with an _arrays list")
        names = header.pop("_arrays")
        offset = 4 + head_len
        arrays = {}
        for name in names:
            if type(name) is not str:
                raise ProtocolError("array name is not a string")
            (blob_len,) = struct.unpack_from("<Q", body, offset)
            offset += 8
            blob = io.BytesIO(body[offset:offset + blob_len])
            offset += blob_len
            version = np.lib.format.read_magic(blob)
            shape, _, dtype = (np.lib.format.read_array_header_1_0(blob) if version == (1, 0)
                               else np.lib.format.read_array_header_2_0(blob))
            if dtype.kind not in ALLOWED_KINDS or dtype.hasobject:
                raise ProtocolError(f"array {name!r} has dtype {dtype}, not plain numbers")
            if math.prod(int(n) for n in shape) > max_elements:  # Python ints: no overflow
                raise ProtocolError(f"array {name!r} of shape {shape} is too large")
            blob.seek(0)
            array = np.lib.format.read_array(blob, allow_pickle=False)
            if type(array) is not np.ndarray:
                raise ProtocolError(f"array {name!r} is not a plain ndarray")
            arrays[name] = array
        return header, arrays
    except ProtocolError:
        raise
    except Exception as err:  # struct, json, numpy format errors: all mean the same thing to the parent
        raise ProtocolError(f"malformed message: {type(err).__name__}: {err}") from None


@dataclass(frozen=True)
class Rng:
    """A function argument that the student's process turns into ``np.random.default_rng(seed)``."""

    seed: int


def encode_args(args: list, prefix: str = "a") -> tuple[list[dict], dict[str, np.ndarray]]:
    """A function's arguments as plain data: each becomes {"array": NAME} (the array under NAME in the
    returned dict), {"arrays": {KEY: NAME}} (a dict of arrays, such as a model's grads), {"rng": seed} (an Rng)
    or {"json": value}. The one encoding of the request, the stored fixtures and the child."""
    specs, arrays = [], {}
    for i, arg in enumerate(args):
        if isinstance(arg, np.ndarray):
            arrays[f"{prefix}{i}"] = arg
            specs.append({"array": f"{prefix}{i}"})
        elif isinstance(arg, dict) and arg and all(isinstance(v, np.ndarray) for v in arg.values()):
            names = {str(key): f"{prefix}{i}:{key}" for key in arg}
            arrays.update({names[str(key)]: value for key, value in arg.items()})
            specs.append({"arrays": names})
        elif isinstance(arg, Rng):
            specs.append({"rng": arg.seed})
        else:
            specs.append({"json": arg})
    return specs, arrays


def decode_args(specs: list[dict], arrays: dict[str, np.ndarray], make_rng=Rng) -> list:
    """The arguments back from ``encode_args``: arrays copied (the callee may not modify the originals), an
    "rng" made by ``make_rng(seed)`` (Rng by default; the child passes np.random.default_rng)."""
    args = []
    for spec in specs:
        if "array" in spec:
            args.append(arrays[spec["array"]].copy())
        elif "arrays" in spec:  # a dict of arrays, which the function may change in place
            args.append({key: arrays[name].copy() for key, name in spec["arrays"].items()})
        elif "rng" in spec:
            args.append(make_rng(spec["rng"]))
        else:
            args.append(spec["json"])
    return args


def write_frame(fd: int, frame: bytes, deadline: float | None = None) -> None:
    """Write a whole frame. With a deadline (the parent's side, on a non-blocking fd), raise TimedOut
    rather than wait forever for a reader that stopped reading."""
    view = memoryview(frame)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut()
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                raise TimedOut()
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        view = view[written:]


class Closed(Exception):
    """The other end closed the pipe (the process ended)."""


class TimedOut(Exception):
    """No complete message before the deadline."""


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, remaining = [], n
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut()
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimedOut()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = 1 << 30) -> bytes:
    """Read one frame body from ``fd``; raises Closed, TimedOut or ProtocolError."""
    start = _read_exactly(fd, 12, deadline)
    if start[:4] != MAGIC:
        raise ProtocolError("bad frame magic")
    (length,) = struct.unpack("<Q", start[4:])
    if length > max_bytes:
        raise ProtocolError(f"message of {length} bytes is over the limit of {max_bytes}")
    return _read_exactly(fd, length, deadline)


def named(arrays: dict, prefix: str) -> dict:
    """The arrays of a request whose names start with ``prefix`` ("param:", "buffer:"), under the rest of their
    name: the parameters or buffers the grader injects into the student's object."""
    return {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
