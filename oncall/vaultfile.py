"""The encrypted vault file for hosts without a desktop keyring (a server reached by SSH).

A keyring backend on `cryptography` alone: the passphrase is stretched with scrypt
(n = 2^15, r = 8, p = 1: about 32 MiB and a tenth of a second, once per unlock) into a
256-bit key, and each secret is sealed with AES-GCM under a fresh 96-bit nonce, with
its service and kind as associated data, so a sealed value moved to another site's
slot fails to open instead of handing over the wrong password. A sealed check value
tells a wrong passphrase from a damaged file. Which secrets exist (service and kind)
is readable without the passphrase, so the console can say what is stored while the
vault is locked; the values are not.

It replaces keyrings.cryptfile (last released in 2022). A home still holding that
library's `vault.cfg` is moved over on the first unlock (see `migrate_legacy`), which
needs keyrings.cryptfile installed once; the old file is kept as `vault.cfg.migrated`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from oncall.fsio import atomic_write, file_lock, lock_path_for

FORMAT = "oncall-vault 1"
LEGACY_FILE = "vault.cfg"
_CHECK = b"oncall vault check"
_LOCKED = "the vault is locked: unlock it with its passphrase first"
_FILE_MODE = 0o600
_READ_LIMIT = 16 << 20


class WrongPassphrase(KeyringLocked):
    """The passphrase does not open this vault file."""


class VaultFileDamaged(Exception):
    """The vault file cannot be read as a vault; names the file, never a secret."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


class _NotDetected:
    """A `priority` that keeps keyring's own detection from ever choosing this class."""

    def __get__(self, obj: object, owner: type | None = None) -> float:
        raise RuntimeError("chosen only through oncall's [vault] backend setting")


class SealedFile(KeyringBackend):
    """The vault file: `get/set/delete_password` once `unlock` has been given the
    passphrase; `has_entry` at any time."""

    priority = _NotDetected()
    # scrypt cost for a new file (a file keeps the cost it was made with); tests lower it
    SCRYPT_N = 1 << 15
    SCRYPT_R = 8
    SCRYPT_P = 1

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file_path = str(path)
        self._key: bytes | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return Path(self.file_path)

    @property
    def unlocked(self) -> bool:
        return self._key is not None

    # --- the file ------------------------------------------------------------------------

    def _read(self) -> dict[str, Any] | None:
        from oncall.fsio import read_regular

        try:
            raw = read_regular(self.path, _READ_LIMIT)
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw)
            ok = (isinstance(doc, dict) and doc.get("format") == FORMAT
                  and isinstance(doc.get("kdf"), dict) and isinstance(doc.get("entries"), dict))
        except (json.JSONDecodeError, UnicodeDecodeError):
            ok = False
        if not ok:
            raise VaultFileDamaged(f"the vault file {self.path} is not an oncall vault "
                                   "(damaged, or another program's file)")
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        path = self.path
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else _FILE_MODE
        atomic_write(path, json.dumps(doc, sort_keys=True, indent=1).encode("ascii"),
                     mode=_FILE_MODE)
        if mode != _FILE_MODE:
            os.chmod(path, mode)  # keep a group permission an admin gave the file

    def _derive(self, passphrase: str, kdf: dict[str, Any]) -> bytes:
        try:
            salt, n, r, p = _unb64(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, ValueError, TypeError, binascii.Error):
            raise VaultFileDamaged(f"the vault file {self.path} has a damaged key "
                                   "setting") from None
        if kdf.get("name") != "scrypt" or not (1 << 10 <= n <= 1 << 20) or r > 32 or p > 16:
            raise VaultFileDamaged(f"the vault file {self.path} asks for a key setting "
                                   "oncall does not use")
        return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))

    # --- unlocking -----------------------------------------------------------------------

    def unlock(self, passphrase: str) -> bool:
        """Open the vault with `passphrase`; the first unlock creates the file with it.
        Returns True when this call created the file. Raises WrongPassphrase."""
        with file_lock(lock_path_for(self.path)):
            doc = self._read()
            if doc is None:
                salt = os.urandom(16)
                kdf = {"name": "scrypt", "salt": _b64(salt), "n": self.SCRYPT_N,
                       "r": self.SCRYPT_R, "p": self.SCRYPT_P}
                key = self._derive(passphrase, kdf)
                nonce = os.urandom(12)
                check = {"nonce": _b64(nonce),
                         "ct": _b64(AESGCM(key).encrypt(nonce, _CHECK, b"check"))}
                self._save({"format": FORMAT, "kdf": kdf, "check": check, "entries": {}})
                self._key = key
                return True
        key = self._derive(passphrase, doc["kdf"])
        try:
            check = doc["check"]
            opened = AESGCM(key).decrypt(_unb64(check["nonce"]), _unb64(check["ct"]), b"check")
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase") from None
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise VaultFileDamaged(f"the vault file {self.path} is damaged") from None
        if opened != _CHECK:
            raise WrongPassphrase("wrong passphrase")
        self._key = key
        return False

    def forget(self) -> None:
        """Lock: drop the key (the file stays as it is)."""
        self._key = None

    def _need_key(self) -> bytes:
        if self._key is None:
            raise KeyringLocked(_LOCKED)
        return self._key

    # --- keyring's interface -------------------------------------------------------------

    def get_password(self, service: str, username: str) -> str | None:
        key = self._need_key()
        doc = self._read()
        sealed = (doc or {}).get("entries", {}).get(service, {}).get(username)
        if sealed is None:
            return None
        try:
            value = AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ct"]),
                                        _aad(service, username))
        except InvalidTag:
            raise VaultFileDamaged(f"the {username} of {service} in {self.path} does not "
                                   "open: it was altered or moved from another entry") from None
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise VaultFileDamaged(f"the {username} of {service} in {self.path} is "
                                   "damaged") from None
        return value.decode("utf-8")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.set_many([(service, username, password)])

    def set_many(self, items: list[tuple[str, str, str]]) -> None:
        """Seal and store several secrets in one write."""
        key = self._need_key()
        with file_lock(lock_path_for(self.path)):
            doc = self._read()
            if doc is None:
                raise KeyringLocked(f"the vault file {self.path} has gone: unlock again")
            for service, username, password in items:
                nonce = os.urandom(12)
                ct = AESGCM(key).encrypt(nonce, password.encode("utf-8"),
                                         _aad(service, username))
                doc["entries"].setdefault(service, {})[username] = {
                    "nonce": _b64(nonce), "ct": _b64(ct)}
            self._save(doc)

    def delete_password(self, service: str, username: str) -> None:
        self._need_key()
        with file_lock(lock_path_for(self.path)):
            doc = self._read()
            entries = (doc or {}).get("entries", {})
            if doc is None or username not in entries.get(service, {}):
                raise PasswordDeleteError("not stored")
            del entries[service][username]
            if not entries[service]:
                del entries[service]
            self._save(doc)

    def has_entry(self, service: str, username: str) -> bool:
        """Whether a secret is stored: no passphrase needed."""
        doc = self._read()
        return doc is not None and username in doc["entries"].get(service, {})


def _aad(service: str, username: str) -> bytes:
    return f"{service}\0{username}".encode()


def migrate_legacy(legacy: Path, target: SealedFile, passphrase: str) -> int:
    """Move every secret of keyrings.cryptfile's `legacy` file into `target` (created
    with the same passphrase), keep the old file as `<name>.migrated`; return how many.

    Raises ImportError without keyrings.cryptfile and WrongPassphrase for a passphrase
    that does not open the old file (nothing is written then)."""
    import configparser

    from keyrings.cryptfile.cryptfile import CryptFileKeyring
    from keyrings.cryptfile.escape import unescape

    old = CryptFileKeyring()
    old.file_path = str(legacy)
    try:
        old.keyring_key = passphrase
    except ValueError:
        raise WrongPassphrase("wrong passphrase (for the old vault file)") from None
    config = configparser.RawConfigParser()
    config.read(legacy, encoding="utf-8")
    items: list[tuple[str, str, str]] = []
    for section in config.sections():
        service = unescape(section)
        if service == "keyring-setting":  # the library's own passphrase check
            continue
        for option in config.options(section):
            username = unescape(option)
            value = old.get_password(service, username)
            if value is not None:
                items.append((service, username, value))
    target.unlock(passphrase)
    if items:
        target.set_many(items)
    os.replace(legacy, legacy.with_name(legacy.name + ".migrated"))
    return len(items)
