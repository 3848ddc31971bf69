"""Which keyring backend the vault uses, and the two that oncall brings.

`explicit_backend` (a named `[vault] backend`) and `default_backend` (keyring's own
choice, when none is named) give a keyring backend or a VaultUnavailable that says how
to fix it. oncall's own backends, memory (tests, the demo) and the
encrypted file (headless hosts), are never picked by keyring's own detection.
"""

from __future__ import annotations

import configparser
import functools
import importlib
import io
import os
import stat
import threading
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringLocked, PasswordDeleteError

from oncall.fsio import atomic_write, file_lock, lock_path_for

VAULT_FILE = "vault.cfg"


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


@functools.cache
def vault_file_class() -> type[KeyringBackend]:
    """CryptFileKeyring with crash-safe writes and a fast "is it stored?" that needs no
    passphrase. Raises ImportError without keyrings.cryptfile (the headless extra)."""
    from keyrings.cryptfile.cryptfile import CryptFileKeyring
    from keyrings.cryptfile.escape import escape

    class VaultFile(CryptFileKeyring):
        priority = _NotDetected()

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.file_path = str(path)

        def _read(self) -> configparser.RawConfigParser:
            config = configparser.RawConfigParser()
            config.read(self.file_path, encoding="utf-8")
            return config

        def _save(self, config: configparser.RawConfigParser) -> None:
            path = Path(self.file_path)
            mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
            text = io.StringIO()
            config.write(text)
            atomic_write(path, text.getvalue().encode("utf-8"), mode=0o600)
            if mode != 0o600:
                os.chmod(path, mode)  # keep a group permission an admin gave the file

        def _write_config_value(self, service: str, key: str, value: str) -> None:
            with file_lock(lock_path_for(Path(self.file_path))):
                config = self._read()
                section = escape(service)
                if not config.has_section(section):
                    config.add_section(section)
                config.set(section, escape(key), value)
                self._save(config)

        def delete_password(self, service: str, username: str) -> None:
            with file_lock(lock_path_for(Path(self.file_path))):
                config = self._read()
                try:
                    removed = config.remove_option(escape(service), escape(username))
                except configparser.NoSectionError:
                    removed = False
                if not removed:
                    raise PasswordDeleteError("not stored")
                self._save(config)

        # keyrings.cryptfile asks for a missing passphrase with getpass on the terminal,
        # which would garble the console: oncall's unlock is the only way to give it.
        def _get_new_password(self) -> str:
            raise KeyringLocked("the vault is locked: unlock it with its passphrase first")

        def _unlock(self) -> None:
            if self._keyring_key is None:
                self._get_new_password()
            super()._unlock()

        def has_entry(self, service: str, username: str) -> bool:
            return self._read().has_option(escape(service), escape(username))

    return VaultFile


def is_encrypted(backend: KeyringBackend | None) -> bool:
    """Whether `backend` is a keyrings.cryptfile keyring that needs a passphrase."""
    if backend is None:
        return False
    try:
        from keyrings.cryptfile.file import EncryptedKeyring
    except ImportError:
        return False
    return isinstance(backend, EncryptedKeyring)


def headless_fix(home: Path) -> str:
    """What Web Communications do when this host has no usable keyring."""
    return ("No usable keyring on this host: there is no desktop keyring (GNOME Keyring, "
            "KWallet) to keep the site passwords, which is usual on a server reached by SSH. "
            "Web Communications: 1) install the headless extra: pip install 'oncall[headless]'; "
            f"2) in {home / 'config.toml'} set backend = \"cryptfile\" under [vault]; "
            "3) open oncall and unlock the vault with its passphrase (the first passphrase "
            f"typed creates the encrypted file {home / VAULT_FILE}).")


def explicit_backend(choice: str, home: Path) -> KeyringBackend:
    """The backend a non-empty `[vault] backend` names; VaultUnavailable if unusable."""
    if choice == "memory":
        return PROCESS_MEMORY
    if choice == "cryptfile":
        try:
            return vault_file_class()(home / VAULT_FILE)  # type: ignore[call-arg]
        except ImportError:
            raise VaultUnavailable(
                '[vault] backend is "cryptfile" but keyrings.cryptfile is not installed. '
                "Web Communications: pip install 'oncall[headless]', then open oncall and "
                "unlock the vault with its passphrase.") from None
    module, _, name = choice.rpartition(".")
    try:
        backend = getattr(importlib.import_module(module), name)()
    except Exception as exc:
        raise VaultUnavailable(
            f"[vault] backend = {choice!r} in {home / 'config.toml'} could not be loaded "
            f"({type(exc).__name__}); use \"\", \"memory\", \"cryptfile\" or a keyring "
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
