"""Officers' signing keys: every log entry and every anchor is signed by the officer
who made it, so no one can write an entry in another's name.

An officer's private key (Ed25519) is personal, so it is not kept in the home's vault:
that vault is shared by every credential holder, and a key a colleague can unlock signs
for them too. It lives in the officer's own account, `~/.local/share/oncall/keys/` (or
`[log] key_dir`), a 0700 directory holding one 0600 file per login, as SSH keys do: on
the headless comms host there is no per-user keyring daemon to hold it instead.

The public half travels in the log: each signed entry names its key, and the first
entry an officer signs introduces that key (trust on first use). `people.toml` may pin
an officer's key (`signing_key = "ed25519:..."`); a pinned key is the only one accepted
for them. `oncall log keys` lists the keys in use so an administrator can pin them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "ed25519:"
_KEY_FILE_MODE = 0o600
_KEY_DIR_MODE = 0o700


class SigningKeyError(OSError):
    """An officer's signing key cannot be read or made. Names the file, never the key."""


def default_key_dir() -> Path:
    """Where this Unix account keeps its signing keys unless `[log] key_dir` says."""
    from platformdirs import user_data_dir  # as config.default_home finds its data dir

    return Path(user_data_dir("oncall", appauthor=False)) / "keys"


def public_text(key: Ed25519PublicKey) -> str:
    """A public key as written in the log and in people.toml: "ed25519:<base64>"."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode("ascii")


def fingerprint(public: str) -> str:
    """A short, stable name for a public key (SHA-256, 16 hex digits), for people."""
    return hashlib.sha256(public.encode("ascii", "replace")).hexdigest()[:16]


def is_public_text(text: object) -> bool:
    """True for a well-formed "ed25519:<base64 of 32 bytes>"."""
    return isinstance(text, str) and _parse_public(text) is not None


@lru_cache(maxsize=256)
def _parse_public(text: str) -> Ed25519PublicKey | None:
    if not text.startswith(PREFIX):
        return None
    try:
        raw = base64.b64decode(text[len(PREFIX):], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        return None


def verify(public: str, signature: str, message: bytes) -> bool:
    """True when `signature` (base64) is `public`'s signature of `message`."""
    key = _parse_public(public)
    if key is None or not isinstance(signature, str):
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """One officer's private key, able to sign for that officer only."""

    login: str
    _key: Ed25519PrivateKey

    @property
    def public(self) -> str:
        """The public half, as written in the log."""
        return public_text(self._key.public_key())

    def sign(self, message: bytes) -> str:
        """The base64 signature of `message`."""
        return base64.b64encode(self._key.sign(message)).decode("ascii")

    def __repr__(self) -> str:  # never the key, even in a traceback
        return f"Signer({self.login!r}, {fingerprint(self.public)})"


class KeyDir:
    """An account's private signing keys, one 0600 file per login."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def path(self, login: str) -> Path:
        """The key file of `login` (logins are checked to be safe file names)."""
        if not login or "/" in login or login.startswith(".") or "\0" in login:
            raise SigningKeyError(f"{login!r} cannot name a signing key file")
        return self.dir / f"{login}.ed25519"

    def signer(self, login: str) -> Signer:
        """`login`'s signer, the key made on first use. Raises SigningKeyError."""
        path = self.path(login)
        try:
            return Signer(login, self._read(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SigningKeyError(f"cannot read your signing key {path}: "
                                  f"{exc.strerror or exc}") from None
        return Signer(login, self._create(path))

    def _read(self, path: Path) -> Ed25519PrivateKey:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            if os.fstat(fd).st_mode & 0o077:
                raise SigningKeyError(f"your signing key {path} can be read by others: "
                                      f"run chmod 600 {path}")
            raw = os.read(fd, 200)
        finally:
            os.close(fd)
        try:
            return Ed25519PrivateKey.from_private_bytes(
                base64.b64decode(raw.strip(), validate=True))
        except (binascii.Error, ValueError):
            raise SigningKeyError(f"your signing key {path} is damaged") from None

    def _create(self, path: Path) -> Ed25519PrivateKey:
        key = Ed25519PrivateKey.generate()
        raw = base64.b64encode(key.private_bytes_raw()) + b"\n"
        try:
            self.dir.mkdir(mode=_KEY_DIR_MODE, parents=True, exist_ok=True)
            os.chmod(self.dir, _KEY_DIR_MODE)
            temp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_FILE_MODE)
            try:
                os.fchmod(fd, _KEY_FILE_MODE)
                os.write(fd, raw)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                # link, not rename: a key another process made first wins and is read back
                os.link(temp, path)
            except FileExistsError:
                return self._read(path)
            finally:
                os.unlink(temp)
        except SigningKeyError:
            raise
        except OSError as exc:
            raise SigningKeyError(f"cannot make your signing key in {self.dir}: "
                                  f"{exc.strerror or exc}") from None
        return key
