"""Where credentials are kept: site passwords and API tokens in keyring, never in oncall's
files. No rights here: `oncall.vault.Vault` is the door every caller uses, and it checks
who may read or change what before it touches this store.

Each secret is stored with keyring as service = the site's `keyring_key` (else
"oncall/<site id>") and username = its kind. `[vault] backend` in config.toml picks
the keyring backend: "" (keyring's default, minus the file backends that would prompt
on the terminal or keep plain text), "memory" (this process only: tests and the demo),
"file" (oncall's encrypted `<home>/vault.sealed`, unlocked with a passphrase: see
oncall.vaultfile) or a backend class path such as "keyring.backends.SecretService.Keyring".

Every keyring call runs on a small pool of daemon threads and the caller waits at most
`[vault] timeout_seconds` (a locked Secret Service can hang for ever). Daemon threads,
not a ThreadPoolExecutor: Python joins an executor's threads at exit, so one stuck
call would stop oncall from quitting. No error message ever contains a secret.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, NoKeyringError, PasswordDeleteError

from oncall.config import VaultSettings
from oncall.model import Platform, Site
from oncall.platforms.base import Failure, PublishError, one_line, redact, sandbox_token, site_label
from oncall.secret import Secret
from oncall.vault_backends import (
    PROCESS_MEMORY,
    VAULT_FILE,
    MemoryKeyring,
    VaultError,
    VaultLocked,
    VaultTimeout,
    VaultUnavailable,
    default_backend,
    explicit_backend,
    headless_fix,
    is_encrypted,
)
from oncall.vaultfile import (
    LEGACY_FILE,
    SealedFile,
    VaultFileDamaged,
    WrongPassphrase,
    migrate_legacy,
)

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "MAIL_RELAY",
    "PROCESS_MEMORY",
    "VAULT_FILE",
    "KeyStore",
    "MemoryKeyring",
    "VaultError",
    "VaultLocked",
    "VaultTimeout",
    "VaultUnavailable",
    "headless_fix",
    "is_sandbox",
    "service_for",
    "token_kind",
]

KINDS = ("password", "token", "app_password", "totp_seed")
"""What can be stored for a site: its login password, its API token for posting, a
Bluesky app password (Bluesky's API token) and a TOTP seed for two-factor sign-in."""

KIND_LABELS = {"password": "password", "token": "API token", "app_password": "app password",
               "totp_seed": "TOTP seed"}
WORKERS = 4  # keyring calls at once; also bounds the Argon2 memory of the encrypted file
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
T = TypeVar("T")
_LOCKED = "the vault is locked: unlock it with its passphrase first"


# The keyring service of the mail relay's password: a secret of the press office's, not
# of any site.
MAIL_RELAY = "oncall/mail-relay"


def service_for(site: Site | str) -> str:
    """The keyring service name of a site's secrets (a name given as it is)."""
    if isinstance(site, str):
        return site
    return site.keyring_key or f"oncall/{site.id}"


def token_kind(site: Site) -> str:
    """The kind that holds a site's API credential: Bluesky signs in with an app password."""
    return "app_password" if site.platform == Platform.BLUESKY else "token"


def is_sandbox(site: Site) -> bool:
    """Whether the site points at the local sandbox (loopback), not a real network."""
    try:
        return (urlsplit(site.api_base).hostname or "") in _LOOPBACK
    except ValueError:
        return False


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return kind


class _Workers:
    """A few daemon threads running keyring calls, shared by every Vault in the process."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = \
            queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        with self._lock:
            if not self._started:
                for n in range(self._size):
                    threading.Thread(target=self._run, name=f"oncall-vault-{n}",
                                     daemon=True).start()
                self._started = True
        future: Future[T] = Future()
        self._jobs.put((future, fn))
        return future

    def _run(self) -> None:
        while True:
            future, fn = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up before it started
            try:
                result = fn()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)
            del future, fn

    def after_fork(self) -> None:
        """In a forked child: its threads did not come across, so start afresh (else
        every keyring call would wait for a thread that is not there, until timeout)."""
        self._jobs = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()


_POOL = _Workers(WORKERS)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.after_fork)


class KeyStore:
    """Per-site secrets in keyring, behind a timeout. Also the posting engine's TokenSource.

    Sync methods block the calling thread for at most `timeout` seconds: call them from
    a worker thread or the CLI, never on the event loop. The `a...` methods are the same
    for async code. Each raises VaultUnavailable, VaultLocked or VaultTimeout.
    """

    def __init__(self, settings: VaultSettings, home: Path, *,
                 backend: KeyringBackend | None = None, timeout: float | None = None) -> None:
        self.home = Path(home)
        self.timeout = float(settings.timeout_seconds if timeout is None else timeout)
        self._backend = backend
        self._problem: VaultError | None = None
        self._resolve_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._unlocked = False
        # How many secrets the last unlock moved from a keyrings.cryptfile vault.cfg.
        self.migrated = 0
        choice = settings.backend.strip()
        if backend is None and choice:
            try:
                self._backend = explicit_backend(choice, self.home)
            except VaultError as exc:
                self._problem = exc

    # --- state ---------------------------------------------------------------------------

    @property
    def needs_passphrase(self) -> bool:
        """Whether this backend is an encrypted file that `unlock` opens."""
        return is_encrypted(self._backend)

    @property
    def locked(self) -> bool:
        """True until `unlock` succeeds, for a backend that needs a passphrase."""
        return self.needs_passphrase and not self._unlocked

    @property
    def file(self) -> Path | None:
        """The encrypted file, for the "file" backend."""
        path = getattr(self._backend, "file_path", None) if self.needs_passphrase else None
        return Path(path) if path else None

    @property
    def initialised(self) -> bool:
        """False while the encrypted file does not exist yet: the first `unlock` creates it
        and sets its passphrase, so ask for that passphrase twice."""
        return (self.file is None or self.file.exists()
                or self.file.with_name(LEGACY_FILE).exists())  # moved over on unlock

    @property
    def persistent(self) -> bool:
        """False for the memory backend, whose secrets end with the process."""
        return not isinstance(self._backend, MemoryKeyring)

    @property
    def backend_label(self) -> str:
        """The backend in words, e.g. "encrypted file /srv/oncall/vault.cfg"."""
        if self._problem is not None:
            return "unavailable"
        if self.file is not None:
            return f"encrypted file {self.file}"
        if self._backend is None:
            return "keyring default"
        return "memory (this process only)" if isinstance(self._backend, MemoryKeyring) \
            else type(self._backend).__name__

    def lock(self) -> None:
        """Forget the passphrase (the encrypted file stays as it is)."""
        if isinstance(self._backend, SealedFile):
            self._backend.forget()
        self._unlocked = False

    # --- running keyring calls -----------------------------------------------------------

    def _resolved(self) -> KeyringBackend:
        if self._problem is not None:
            raise self._problem
        with self._resolve_lock:
            if self._backend is None:
                self._backend = default_backend(self.home)
            return self._backend

    def _job(self, fn: Callable[[KeyringBackend], T], *secrets: str,
             while_locked: bool = False) -> Callable[[], T]:
        """`fn` on the backend, with keyring's errors turned into VaultErrors."""
        def job() -> T:
            backend = self._resolved()
            if self.locked and not while_locked:
                raise VaultLocked(_LOCKED)
            try:
                return fn(backend)
            except VaultError:
                raise
            except KeyringLocked:
                raise VaultLocked("the keyring is locked: unlock it and try again") from None
            except NoKeyringError:
                raise VaultUnavailable(headless_fix(self.home)) from None
            except Exception as exc:
                raise VaultError(f"the keyring failed ({type(exc).__name__}: "
                                 f"{one_line(redact(str(exc), *secrets), 160)})") from None
        return job

    def _timed_out(self, write: bool) -> VaultTimeout:
        after = " The change may still be saved when it answers." if write else ""
        return VaultTimeout(
            f"the keyring did not answer within {self.timeout:g} s; is it locked? Unlock "
            "it (or the desktop keyring) and try again; if it is only slow, Web "
            f"Communications can raise [vault] timeout_seconds in config.toml.{after}")

    def _wait(self, job: Callable[[], T], write: bool = False) -> T:
        future = _POOL.submit(job)
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            future.cancel()
            raise self._timed_out(write) from None

    async def _await(self, job: Callable[[], T], write: bool = False) -> T:
        future = _POOL.submit(job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            future.cancel()
            raise self._timed_out(write) from None

    # --- the jobs ------------------------------------------------------------------------

    def _get(self, site: Site | str, kind: str) -> Callable[[], Secret | None]:
        service, kind = service_for(site), _kind(kind)

        def run(backend: KeyringBackend) -> Secret | None:
            value = backend.get_password(service, kind)
            return Secret(value) if value else None
        return self._job(run)

    def _set(self, site: Site | str, kind: str, value: Secret) -> Callable[[], None]:
        service, kind = service_for(site), _kind(kind)
        if not isinstance(value, Secret):
            raise TypeError("store a Secret, not plain text")
        text = value.reveal()
        if not text.strip():
            raise ValueError(f"refusing to store an empty {KIND_LABELS[kind]}")

        def run(backend: KeyringBackend) -> None:
            with self._write_lock:
                backend.set_password(service, kind, text)
        return self._job(run, text)

    def _delete(self, site: Site, kind: str) -> Callable[[], bool]:
        service, kind = service_for(site), _kind(kind)

        def run(backend: KeyringBackend) -> bool:
            with self._write_lock:
                try:
                    backend.delete_password(service, kind)
                except PasswordDeleteError:
                    return False
                return True
        return self._job(run)

    def _status(self, site: Site, kinds: tuple[str, ...]) -> Callable[[], dict[str, bool]]:
        service = service_for(site)
        kinds = tuple(_kind(k) for k in kinds)

        def run(backend: KeyringBackend) -> dict[str, bool]:
            if hasattr(backend, "has_entry"):  # the encrypted file: no passphrase needed
                return {k: backend.has_entry(service, k) for k in kinds}
            if self.locked:
                raise VaultLocked(_LOCKED)
            return {k: bool(backend.get_password(service, k)) for k in kinds}
        return self._job(run, while_locked=True)

    def _unlock(self, passphrase: Secret) -> Callable[[], None]:
        text = passphrase.reveal()

        def run(backend: KeyringBackend) -> None:
            if not isinstance(backend, SealedFile):
                return  # nothing to unlock
            if not text.strip():
                raise VaultLocked("an empty passphrase cannot unlock the vault")
            legacy = backend.path.with_name(LEGACY_FILE)
            try:
                if not backend.path.exists() and legacy.exists():
                    self.migrated = migrate_legacy(legacy, backend, text)
                else:
                    backend.unlock(text)
            except WrongPassphrase as exc:
                self._unlocked = False
                raise VaultLocked(str(exc)) from None
            except VaultFileDamaged as exc:
                self._unlocked = False
                raise VaultUnavailable(str(exc)) from None
            except ImportError:
                raise VaultUnavailable(
                    f"{legacy} is a vault in keyrings.cryptfile's format, which oncall no "
                    "longer uses. Web Communications: pip install keyrings.cryptfile once, "
                    f"then unlock: its secrets move to {backend.path}") from None
            self._unlocked = True
        return self._job(run, text, while_locked=True)

    # --- sync API (CLI, worker threads) --------------------------------------------------

    def get(self, site: Site, kind: str = "password") -> Secret | None:
        """The stored secret, or None if none is stored."""
        return self._wait(self._get(site, kind))

    def set(self, site: Site, kind: str, value: Secret) -> None:
        """Store `value` (ValueError if empty, TypeError if not a Secret)."""
        self._wait(self._set(site, kind, value), write=True)

    def delete(self, site: Site, kind: str) -> bool:
        """Remove a secret; False if none was stored."""
        return self._wait(self._delete(site, kind), write=True)

    def has(self, site: Site, kind: str) -> bool:
        """Whether a secret of `kind` is stored (the encrypted file answers while locked)."""
        return self._wait(self._status(site, (kind,)))[kind]

    def status(self, site: Site) -> dict[str, bool]:
        """Which kinds are stored for `site`: {kind: bool} for every kind in KINDS."""
        return self._wait(self._status(site, KINDS))

    def unlock(self, passphrase: Secret) -> None:
        """Open the encrypted file (creating it, with this passphrase, if it does not
        exist). VaultLocked("wrong passphrase") if it does not match. No-op for backends
        without a passphrase."""
        self._wait(self._unlock(passphrase))

    # --- async API (UI, posting engine) --------------------------------------------------

    async def aget(self, site: Site, kind: str = "password") -> Secret | None:
        """`get` for async code."""
        return await self._await(self._get(site, kind))

    async def aset(self, site: Site, kind: str, value: Secret) -> None:
        """`set` for async code."""
        await self._await(self._set(site, kind, value), write=True)

    async def adelete(self, site: Site, kind: str) -> bool:
        """`delete` for async code."""
        return await self._await(self._delete(site, kind), write=True)

    async def ahas(self, site: Site, kind: str) -> bool:
        """`has` for async code."""
        return (await self._await(self._status(site, (kind,))))[kind]

    async def astatus(self, site: Site) -> dict[str, bool]:
        """`status` for async code."""
        return await self._await(self._status(site, KINDS))

    async def aunlock(self, passphrase: Secret) -> None:
        """`unlock` for async code."""
        await self._await(self._unlock(passphrase))

    async def token_for(self, site: Site) -> Secret:
        """The site's API credential for posting (TokenSource).

        The stored "token" ("app_password" for Bluesky). A site on the local sandbox gets
        the sandbox's demo token when none is stored or the vault cannot be read.
        PublishError(REJECTED) when none is stored; PublishError(UNREACHABLE) when the
        vault is locked, unavailable or slow (nothing was sent)."""
        kind = token_kind(site)
        try:
            secret = await self._await(self._get(site, kind))
        except VaultError as exc:
            if is_sandbox(site):
                return Secret(sandbox_token(site))
            raise PublishError(Failure.UNREACHABLE, f"{site_label(site)}: could not read the "
                               f"{KIND_LABELS[kind]} from the vault ({exc}); nothing was "
                               "sent") from None
        if secret is not None:
            return secret
        if is_sandbox(site):
            return Secret(sandbox_token(site))
        raise PublishError(Failure.REJECTED, f"{site_label(site)}: no {KIND_LABELS[kind]} "
                           f"stored; Web Communications: oncall vault set {site.id} "
                           f"--kind {kind}")
