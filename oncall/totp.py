"""One-time codes (RFC 6238 TOTP) for sites whose login has two-factor authentication.

The seed lives in the vault like a password; the officer gets the current code,
not the seed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime


def totp(seed_base32: str, moment: datetime, *, digits: int = 6, step: int = 30,
         algorithm: str = "sha1") -> str:
    """The code for `moment` from a base32 seed (spaces and case ignored, as sites print it).

    Raises ValueError for a seed that is not base32."""
    cleaned = "".join(seed_base32.split()).upper()
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        key = base64.b32decode(padded)
    except ValueError:  # binascii.Error is a ValueError
        raise ValueError("the stored two-factor seed is not valid base32") from None
    counter = int(moment.timestamp()) // step
    digest = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm)).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def seconds_left(moment: datetime, step: int = 30) -> int:
    """How long the current code stays valid."""
    return step - int(moment.timestamp()) % step
