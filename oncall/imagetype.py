"""What kind of picture a file holds, from its first bytes rather than its name.

Shared by the network adapters (which must send the right Content-Type, and refuse
what a network will not take) and by the local sandbox (which checks uploads the
way the networks do). Standard library only.
"""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
BMP = "image/bmp"
TIFF = "image/tiff"
HEIC = "image/heic"

# Short names an officer recognises, for reasons such as "it is a GIF".
NAMES: dict[str, str] = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WebP", BMP: "BMP",
                         TIFF: "TIFF", HEIC: "HEIC"}

_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1")


def sniff(data: bytes) -> str:
    """The MIME type of the picture in `data` (its leading bytes are enough), or "" if
    it is none of the formats the networks take."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"BM") and len(data) >= 14:
        return BMP
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return HEIC
    return ""


def name_of(mime: str) -> str:
    """'JPEG' for image/jpeg; the MIME type itself for anything else."""
    return NAMES.get(mime, mime or "unknown")
