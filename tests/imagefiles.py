"""Tiny but valid PNG and JPEG files, built byte by byte (no imaging library needed).

`pad` adds that many bytes in a comment (JPEG COM segments, a PNG tEXt chunk), so a
test can have a real picture of any size for the networks' size limits.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 2, height: int = 2, *, rgb: tuple[int, int, int] = (0, 90, 160),
        pad: int = 0) -> bytes:
    """A PNG of one colour: 8-bit RGB, no interlace."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    chunks = [_chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(rows))]
    if pad:
        chunks.append(_chunk(b"tEXt", b"Comment\x00" + b"x" * pad))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _chunk(b"IEND", b"")


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg(*, pad: int = 0) -> bytes:
    """A baseline JPEG of one mid-grey 8x8 block (shown as 1x1 pixel).

    One quantisation table of ones; Huffman tables with a single one-bit code each,
    for DC category 0 and the AC end-of-block; the scan is those two bits, "00",
    padded with ones to a byte (0x3F)."""
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    counts = bytes([1] + [0] * 15)
    parts = [
        b"\xff\xd8",
        _segment(0xE0, jfif),
        _segment(0xDB, b"\x00" + b"\x01" * 64),
        _segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00"),
        _segment(0xC4, b"\x00" + counts + b"\x00"),
        _segment(0xC4, b"\x10" + counts + b"\x00"),
    ]
    while pad > 0:
        size = min(pad, 65533)
        parts.append(_segment(0xFE, b"c" * size))
        pad -= size
    parts += [_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"), b"\x3f", b"\xff\xd9"]
    return b"".join(parts)


def write(folder: Path, name: str, data: bytes) -> str:
    """Write `data` to folder/name; the path as a string, as an Image takes it."""
    path = folder / name
    path.write_bytes(data)
    return str(path)
