"""Which keyring backend the vault uses, and the two that oncall brings.

`explicit_backend` (a named `[vault] backend`) and `default_backend` (keyring's own
choice, when none is named) give a keyring backend or a VaultUnavailable that says how
to fix it. oncall's own backends, memory (tests, the demo) and the
encrypted file (headless hosts), are never picked by keyring's own detection.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import PasswordDeleteError

VAULT_FILE = "vault.sealed"


class VaultError(Exception):
    """A vault problem, in words for the officer. Never contains a secret."""


class VaultUnavailable(VaultError):
    """No usable keyring backend; the message says how to fix it."""


class VaultLocked(VaultError):
    """The vault needs its passphrase (or the passphrase given was wrong)."""


class VaultTimeout(VaultError):
    """The keyring did not answer in time (often a locked Secret Service)."""


class _NotDetected:
    """A `priority` that makes keyring's own backend detection skip a class: oncall's
    backends are chosen only through `[vault] backend`."""

    def __get__(self, obj: object, owner: type | None = None) -> float:
        raise RuntimeError("chosen only through oncall's [vault] backend setting")


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict, gone when the process ends: for tests and the demo."""

    priority = _NotDetected()

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._items.pop((service, username), None) is None:
                raise PasswordDeleteError("not stored")

    def clear(self) -> None:
        """Forget everything (between tests)."""
        with self._lock:
            self._items.clear()


PROCESS_MEMORY = MemoryKeyring()
"""The store behind `backend = "memory"`: shared by every Vault in this process."""


def is_encrypted(backend: KeyringBackend | None) -> bool:
    """Whether `backend` is oncall's encrypted vault file, which needs a passphrase."""
    from oncall.vaultfile import SealedFile

    return isinstance(backend, SealedFile)


def headless_fix(home: Path) -> str:
    """What Web Communications do when this host has no usable keyring."""
    return ("No usable keyring on this host: there is no desktop keyring (GNOME Keyring, "
            "KWallet) to keep the site passwords, which is usual on a server reached by SSH. "
            f"Web Communications: 1) in {home / 'config.toml'} set backend = \"file\" under "
            "[vault]; 2) open oncall and unlock the vault with its passphrase (the first "
            f"passphrase typed creates the encrypted file {home / VAULT_FILE}).")


def explicit_backend(choice: str, home: Path) -> KeyringBackend:
    """The backend a non-empty `[vault] backend` names; VaultUnavailable if unusable."""
    if choice == "memory":
        return PROCESS_MEMORY
    if choice in ("file", "cryptfile"):  # "cryptfile": the name before oncall's own file
        from oncall.vaultfile import SealedFile

        return SealedFile(home / VAULT_FILE)
    module, _, name = choice.rpartition(".")
    try:
        backend = getattr(importlib.import_module(module), name)()
    except Exception as exc:
        raise VaultUnavailable(
            f"[vault] backend = {choice!r} in {home / 'config.toml'} could not be loaded "
            f"({type(exc).__name__}); use \"\", \"memory\", \"file\" or a keyring "
            "backend class such as keyring.backends.SecretService.Keyring") from None
    if not isinstance(backend, KeyringBackend):
        raise VaultUnavailable(f"[vault] backend = {choice!r} is not a keyring backend")
    if isinstance(backend, fail.Keyring):
        raise VaultUnavailable(headless_fix(home))
    return backend


def default_backend(home: Path) -> KeyringBackend:
    """keyring's default, without the fail backend, oncall's own and the file backends of
    keyrings.alt/cryptfile (they prompt on the terminal or keep plain text)."""
    try:
        found = keyring.get_keyring()
    except Exception as exc:  # e.g. a broken keyringrc.cfg
        raise VaultUnavailable(f"keyring could not choose a backend ({type(exc).__name__}). "
                               + headless_fix(home)) from None
    candidates = found.backends if isinstance(found, chainer.ChainerBackend) else [found]
    usable = [b for b in candidates if not isinstance(b, fail.Keyring | MemoryKeyring)
              and not hasattr(b, "file_path")]
    if not usable:
        raise VaultUnavailable(headless_fix(home))
    return usable[0]
