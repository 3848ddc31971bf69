"""The credential vault: backends, the timeout, the TokenSource and the `oncall vault` CLI."""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyrings.cryptfile.cryptfile import CryptFileKeyring
from keyrings.cryptfile.file import PlaintextKeyring

from oncall import cli
from oncall.cli import main
from oncall.config import Paths, VaultSettings, load_settings
from oncall.model import Site
from oncall.platforms.base import Failure, PublishError, sandbox_token
from oncall.secret import Secret
from oncall.tomlfile import TomlError
from oncall.vault import (
    KINDS,
    PROCESS_MEMORY,
    KeyStore,
    MemoryKeyring,
    Vault,
    VaultError,
    VaultLocked,
    VaultTimeout,
    VaultUnavailable,
    is_sandbox,
    service_for,
)
from oncall.vaultfile import SealedFile

FB = Site(id="corp-fb", platform="facebook", name="Mercia Vale Police", handle="mvp",
          tier="corporate", username="social@example.org", keyring_key="oncall/corp-fb")
BSKY = Site(id="corp-bsky", platform="bluesky", name="Mercia Vale Police", handle="mvp",
            tier="corporate", username="mvp.example.org")
SANDBOXED = Site(id="corp-x", platform="x", name="Mercia Vale Police", handle="mvp",
                 tier="corporate", api_base="http://127.0.0.1:8765/x")
LEAK = "Zq-leak-7f3a9c-secret"


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    PROCESS_MEMORY.clear()
    yield
    PROCESS_MEMORY.clear()


@pytest.fixture
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at its lowest cost: the same code path, a fraction of the time."""
    monkeypatch.setattr(SealedFile, "SCRYPT_N", 1 << 10)
    monkeypatch.setattr(CryptFileKeyring, "time_cost", 1)  # the legacy file, for migration
    monkeypatch.setattr(CryptFileKeyring, "memory_cost", 1024)


@pytest.fixture
def getpass_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may prompt on the terminal for a missing passphrase (keyrings.cryptfile did)."""
    import getpass

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("getpass was called")

    monkeypatch.setattr(getpass, "getpass", refuse)


def memory_vault(home: Path, **kwargs: float) -> KeyStore:
    return KeyStore(VaultSettings(backend="memory"), home, **kwargs)


# --- the memory backend --------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_memory_round_trip_per_kind(home: Path, kind: str) -> None:
    vault = memory_vault(home)
    assert vault.get(FB, kind) is None and not vault.has(FB, kind)
    vault.set(FB, kind, Secret(f"value-of-{kind}"))
    got = vault.get(FB, kind)
    assert isinstance(got, Secret) and got.reveal() == f"value-of-{kind}"
    assert vault.has(FB, kind)
    assert f"value-of-{kind}" not in repr(got) + str(got)
    assert PROCESS_MEMORY.get_password("oncall/corp-fb", kind) == f"value-of-{kind}"
    assert vault.delete(FB, kind) is True
    assert vault.delete(FB, kind) is False
    assert vault.get(FB, kind) is None


async def test_async_round_trip(home: Path) -> None:
    vault = memory_vault(home)
    await vault.aset(BSKY, "app_password", Secret("app-pw"))
    assert (await vault.aget(BSKY, "app_password")) == Secret("app-pw")
    assert await vault.ahas(BSKY, "app_password")
    assert (await vault.astatus(BSKY))["app_password"] is True
    await vault.aunlock(Secret("ignored"))  # nothing to unlock in memory
    assert await vault.adelete(BSKY, "app_password")


def test_status_names_every_kind(home: Path) -> None:
    vault = memory_vault(home)
    vault.set(FB, "password", Secret("pw"))
    vault.set(FB, "totp_seed", Secret("JBSWY3DPEHPK3PXP"))
    assert vault.status(FB) == {"password": True, "token": False, "app_password": False,
                                "totp_seed": True}
    assert vault.status(BSKY) == dict.fromkeys(KINDS, False)


def test_service_is_the_keyring_key_else_the_site_id(home: Path) -> None:
    assert service_for(FB) == "oncall/corp-fb"
    assert service_for(BSKY) == "oncall/corp-bsky"
    memory_vault(home).set(BSKY, "password", Secret("pw"))
    assert PROCESS_MEMORY.get_password("oncall/corp-bsky", "password") == "pw"


def test_memory_is_shared_within_the_process(home: Path) -> None:
    memory_vault(home).set(FB, "token", Secret("t"))
    assert memory_vault(home).get(FB, "token") == Secret("t")


def test_bad_values_are_refused_before_any_keyring_call(home: Path) -> None:
    vault = memory_vault(home)
    with pytest.raises(ValueError, match="empty"):
        vault.set(FB, "password", Secret("  "))
    with pytest.raises(TypeError):
        vault.set(FB, "password", "plain text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown kind"):
        vault.get(FB, "pin")
    assert vault.status(FB) == dict.fromkeys(KINDS, False)


def test_oncalls_backends_are_never_keyrings_automatic_choice() -> None:
    assert CryptFileKeyring.viable  # keyring itself would pick this one...
    assert not MemoryKeyring.viable and not SealedFile.viable  # ...never these


# --- the TokenSource ---------------------------------------------------------------------

async def test_token_for_gives_the_stored_token(home: Path) -> None:
    vault = memory_vault(home)
    vault.set(FB, "token", Secret("page-token"))
    vault.set(FB, "password", Secret("login-pw"))
    assert await vault.token_for(FB) == Secret("page-token")


async def test_token_for_bluesky_is_the_app_password(home: Path) -> None:
    vault = memory_vault(home)
    vault.set(BSKY, "token", Secret("not-this"))
    vault.set(BSKY, "app_password", Secret("xxxx-yyyy-zzzz"))
    assert await vault.token_for(BSKY) == Secret("xxxx-yyyy-zzzz")


async def test_token_for_a_sandbox_site_falls_back_to_the_demo_token(home: Path) -> None:
    vault = memory_vault(home)
    assert await vault.token_for(SANDBOXED) == Secret(sandbox_token(SANDBOXED))
    vault.set(SANDBOXED, "token", Secret("stored"))
    assert await vault.token_for(SANDBOXED) == Secret("stored")


def test_only_loopback_is_the_sandbox() -> None:
    def at(base: str) -> Site:
        return Site(id="s", platform="x", name="S", handle="s", tier="local", api_base=base)

    assert is_sandbox(at("http://localhost:9/x")) and is_sandbox(at("http://[::1]:9/x"))
    assert not is_sandbox(at("https://api.x.com")) and not is_sandbox(at(""))
    assert not is_sandbox(at("http://localhost.evil.example/x"))


async def test_token_for_without_a_token_says_who_fixes_it(home: Path) -> None:
    vault = memory_vault(home)
    vault.set(FB, "password", Secret(LEAK))
    with pytest.raises(PublishError) as caught:
        await vault.token_for(FB)
    assert caught.value.kind == Failure.REJECTED
    assert str(caught.value) == ("Mercia Vale Police (Facebook): no API token stored; Web "
                                 "Communications: oncall vault set corp-fb --kind token")
    assert LEAK not in repr(caught.value)
    with pytest.raises(PublishError, match="--kind app_password"):
        await vault.token_for(BSKY)


async def test_token_for_when_the_vault_cannot_be_read(home: Path, cheap_kdf: None) -> None:
    vault = KeyStore(VaultSettings(backend="file"), home)
    assert vault.locked
    with pytest.raises(PublishError, match="nothing was sent") as caught:
        await vault.token_for(FB)
    assert caught.value.kind == Failure.UNREACHABLE and "locked" in caught.value.reason
    assert await vault.token_for(SANDBOXED) == Secret(sandbox_token(SANDBOXED))


# --- the encrypted file (headless hosts) -------------------------------------------------

def test_vault_file_unlock_set_get(home: Path, cheap_kdf: None, getpass_forbidden: None) -> None:
    vault = KeyStore(VaultSettings(backend="file"), home)
    assert vault.needs_passphrase and vault.locked and not vault.initialised
    assert vault.file == home / "vault.sealed"
    with pytest.raises(VaultLocked, match="locked"):
        vault.get(FB, "password")
    with pytest.raises(VaultLocked, match="locked"):
        vault.set(FB, "password", Secret(LEAK))
    vault.unlock(Secret("correct horse"))
    assert not vault.locked and vault.initialised
    vault.set(FB, "password", Secret(LEAK))
    assert vault.get(FB, "password") == Secret(LEAK)
    data = (home / "vault.sealed").read_bytes()
    assert LEAK.encode() not in data and b"correct horse" not in data
    assert (home / "vault.sealed").stat().st_mode & 0o777 == 0o600
    vault.lock()
    assert vault.locked
    assert vault.status(FB)["password"] is True  # which kinds are stored: no key needed
    with pytest.raises(VaultLocked):
        vault.get(FB, "password")

    again = KeyStore(VaultSettings(backend="file"), home)
    with pytest.raises(VaultLocked, match="wrong passphrase") as caught:
        again.unlock(Secret("wrong horse"))
    assert "wrong horse" not in str(caught.value)
    assert again.locked
    with pytest.raises(VaultLocked, match="locked"):
        again.get(FB, "password")  # the wrong key was not kept
    again.unlock(Secret("correct horse"))
    assert again.get(FB, "password") == Secret(LEAK)
    assert again.delete(FB, "password") and not again.has(FB, "password")


def test_vault_file_refuses_an_empty_passphrase(home: Path, cheap_kdf: None) -> None:
    vault = KeyStore(VaultSettings(backend="file"), home)
    with pytest.raises(VaultLocked, match="empty"):
        vault.unlock(Secret(" "))
    assert not (home / "vault.sealed").exists()


def test_the_vault_file_binds_each_value_to_its_site_and_kind(
        home: Path, cheap_kdf: None) -> None:
    import json

    vault = KeyStore(VaultSettings(backend="file"), home)
    vault.unlock(Secret("correct horse"))
    vault.set(FB, "password", Secret(LEAK))
    vault.set(BSKY, "app_password", Secret("bsky-secret"))
    path = home / "vault.sealed"
    doc = json.loads(path.read_text())
    assert doc["format"] == "oncall-vault 1" and doc["kdf"]["name"] == "scrypt"
    # A colleague moves Bluesky's sealed value into Facebook's password slot
    doc["entries"]["oncall/corp-fb"]["password"] = doc["entries"]["oncall/corp-bsky"][
        "app_password"]
    path.write_text(json.dumps(doc))
    with pytest.raises(VaultError, match="altered or moved") as caught:
        vault.get(FB, "password")
    assert "bsky-secret" not in str(caught.value) and LEAK not in str(caught.value)
    assert vault.get(BSKY, "app_password") == Secret("bsky-secret")


def test_a_damaged_vault_file_is_one_line_naming_it(home: Path, cheap_kdf: None) -> None:
    (home / "vault.sealed").write_text("[not a vault]\n")
    vault = KeyStore(VaultSettings(backend="file"), home)
    with pytest.raises(VaultUnavailable, match="is not an oncall vault"):
        vault.unlock(Secret("correct horse"))
    assert vault.locked


def test_two_officers_storing_at_once_lose_nothing(home: Path, cheap_kdf: None) -> None:
    import threading

    first = KeyStore(VaultSettings(backend="file"), home)
    first.unlock(Secret("pass"))
    second = KeyStore(VaultSettings(backend="file"), home)
    second.unlock(Secret("pass"))
    sites = [Site(id=f"s{n}", platform="facebook", name=f"S{n}", handle="h", tier="local")
             for n in range(16)]
    threads = [threading.Thread(target=(first if n % 2 else second).set,
                                args=(site, "password", Secret(f"pw-{n}")))
               for n, site in enumerate(sites)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [first.get(site, "password") for site in sites] == [
        Secret(f"pw-{n}") for n in range(16)]


def test_a_keyrings_cryptfile_vault_moves_over_on_the_first_unlock(
        home: Path, cheap_kdf: None) -> None:
    old = CryptFileKeyring()
    old.file_path = str(home / "vault.cfg")
    old.keyring_key = "correct horse"
    old.set_password("oncall/corp-fb", "password", LEAK)
    old.set_password("oncall/corp-bsky", "app_password", "bsky-secret")
    vault = KeyStore(VaultSettings(backend="file"), home)
    assert vault.locked and vault.status(FB)["password"] is False  # not moved yet
    with pytest.raises(VaultLocked, match="wrong passphrase"):
        vault.unlock(Secret("wrong horse"))
    assert (home / "vault.cfg").exists() and not (home / "vault.sealed").exists()
    vault.unlock(Secret("correct horse"))
    assert vault.migrated == 2
    assert vault.get(FB, "password") == Secret(LEAK)
    assert vault.get(BSKY, "app_password") == Secret("bsky-secret")
    assert not (home / "vault.cfg").exists() and (home / "vault.cfg.migrated").exists()
    assert LEAK.encode() not in (home / "vault.sealed").read_bytes()
    again = KeyStore(VaultSettings(backend="file"), home)
    again.unlock(Secret("correct horse"))
    assert again.migrated == 0 and again.get(FB, "password") == Secret(LEAK)


# --- no usable keyring -------------------------------------------------------------------

def _assert_fix_it(exc: VaultError, home: Path) -> None:
    text = str(exc)
    assert "pip install" not in text  # the encrypted file needs nothing more installed
    assert 'backend = "file"' in text and "[vault]" in text
    assert str(home / "config.toml") in text
    assert "passphrase" in text and "Web Communications" in text


def test_fail_backend_by_name_explains_the_fix(home: Path) -> None:
    vault = KeyStore(VaultSettings(backend="keyring.backends.fail.Keyring"), home)
    with pytest.raises(VaultUnavailable) as caught:
        vault.get(FB, "password")
    _assert_fix_it(caught.value, home)
    assert vault.backend_label == "unavailable"


@pytest.mark.parametrize("default", [fail.Keyring, PlaintextKeyring])
def test_default_fail_or_plaintext_backend_is_unavailable(
        home: Path, monkeypatch: pytest.MonkeyPatch, default: type[KeyringBackend]) -> None:
    monkeypatch.setattr(keyring, "get_keyring", default)
    vault = KeyStore(VaultSettings(), home)
    with pytest.raises(VaultUnavailable) as caught:
        vault.status(FB)
    _assert_fix_it(caught.value, home)


def test_default_backend_is_used_when_it_works(home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = Recording()
    monkeypatch.setattr(keyring, "get_keyring", lambda: store)
    KeyStore(VaultSettings(), home).set(FB, "token", Secret("t"))
    assert store.items == {("oncall/corp-fb", "token"): "t"}


def test_an_unknown_backend_name_is_unavailable(home: Path) -> None:
    with pytest.raises(VaultUnavailable, match="could not be loaded"):
        KeyStore(VaultSettings(backend="no.such.Backend"), home).get(FB, "password")


class Recording(KeyringBackend):
    """A working keyring that is not keyring's automatic choice (no priority)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password


class Leaky(Recording):
    """A keyring whose errors quote the password (some do)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password!r} for {service}")


def test_keyring_errors_never_carry_the_secret(home: Path) -> None:
    vault = KeyStore(VaultSettings(), home, backend=Leaky())
    with pytest.raises(VaultError) as caught:
        vault.set(FB, "password", Secret(LEAK))
    assert "RuntimeError" in str(caught.value) and LEAK not in str(caught.value)
    assert caught.value.__cause__ is None


# --- a keyring that never answers ----------------------------------------------------------

class Hanging(Recording):
    """A keyring stuck like a locked Secret Service, until `release` is set."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release
        self.stuck = 0
        self.lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            self.stuck += 1
        self.release.wait(30)
        with self.lock:
            self.stuck -= 1
        return None


async def test_a_hanging_keyring_times_out(home: Path) -> None:
    release = threading.Event()
    hanging = Hanging(release)
    vault = KeyStore(VaultSettings(), home, backend=hanging, timeout=0.2)
    try:
        with pytest.raises(VaultTimeout, match=r"did not answer within 0\.2 s; is it locked"):
            vault.get(FB, "password")
        with pytest.raises(VaultTimeout):
            await vault.aget(FB, "password")
        with pytest.raises(VaultTimeout):
            await vault.astatus(FB)
        with pytest.raises(PublishError) as caught:
            await vault.token_for(FB)
        assert caught.value.kind == Failure.UNREACHABLE
    finally:
        release.set()
    # The stuck calls finish and their threads return to the pool: the vault answers again.
    for _ in range(500):
        if hanging.stuck == 0:
            break
        await asyncio.sleep(0.01)
    assert hanging.stuck == 0
    memory = memory_vault(home, timeout=5)
    memory.set(FB, "password", Secret("pw"))
    assert memory.get(FB, "password") == Secret("pw")


def test_timeout_comes_from_config(home: Path) -> None:
    Paths(home).config.write_text('[vault]\nbackend = "memory"\ntimeout_seconds = 9\n')
    settings = load_settings(Paths(home).config)
    assert settings.vault == VaultSettings(backend="memory", timeout_seconds=9)
    assert KeyStore(settings.vault, home).timeout == 9
    Paths(home).config.write_text("[vault]\ntimeout_seconds = 0\n")
    with pytest.raises(TomlError, match="at least 1"):
        load_settings(Paths(home).config)


# --- the command line --------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def vault_home(demo_home: Path) -> Path:
    # The demo force keeps its vault in memory (config.toml [vault] backend = "memory").
    assert 'backend = "memory"' in (demo_home / "config.toml").read_text(encoding="utf-8")
    return demo_home


def use_backend(home: Path, backend: str) -> None:
    """Point the demo home's [vault] at another backend."""
    config = home / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert 'backend = "memory"' in text
    config.write_text(text.replace('backend = "memory"', f'backend = "{backend}"'),
                      encoding="utf-8")


def test_cli_kinds_match_the_vault() -> None:
    assert cli.VAULT_KINDS == KINDS


def test_cli_set_list_check_delete(vault_home: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "mkowalski")  # Web Communications
    h = ("--home", str(vault_home))
    code, _, err = run(capsys, monkeypatch, *h, "vault", "check")
    assert code == 1 and "20 site(s) without a password" in err

    code, out, err = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", stdin="pw-1\n")
    assert code == 0 and "stored the password of Mercia Vale Police (Facebook)" in out
    assert "forgotten when the command ends" in err
    assert PROCESS_MEMORY.get_password("oncall/corp-fb", "password") == "pw-1"
    code, _, _ = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", "--kind", "token",
                     stdin="tok-1")
    assert code == 0

    code, out, _ = run(capsys, monkeypatch, *h, "vault", "list")
    assert code == 0 and len(out.splitlines()) == 20
    line = next(x for x in out.splitlines() if x.startswith("corp-fb "))
    assert line.split()[1:] == ["corporate", "social@merciavale.police.uk", "password,",
                                "token"]
    assert "pw-1" not in out and "tok-1" not in out

    code, out, _ = run(capsys, monkeypatch, *h, "vault", "check")
    assert code == 1 and not any(x.startswith("corp-fb ") for x in out.splitlines())
    assert "corp-bsky                missing password and app_password" in out

    code, out, _ = run(capsys, monkeypatch, *h, "log", "tail", "-n", "2", "--json")
    assert out.count('"action": "credential.stored"') == 2 and '"kind": "token"' in out

    code, out, _ = run(capsys, monkeypatch, *h, "vault", "delete", "corp-fb", "--kind", "token")
    assert code == 0 and "deleted the API token" in out
    assert PROCESS_MEMORY.get_password("oncall/corp-fb", "token") is None


def test_cli_check_passes_when_every_site_has_a_password(
        vault_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall.session import open_session

    session = open_session(vault_home, "mkowalski")
    vault = Vault.for_session(session)
    for site in session.sites.all():
        vault.set(site, "password", Secret("pw"))
    code, out, err = run(capsys, monkeypatch, "--home", str(vault_home), "vault", "check")
    assert code == 0 and "0 site(s) without a password, 20 without an API token" in err
    assert len(out.splitlines()) == 20


def test_cli_refusals(vault_home: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "mkowalski")  # Web Communications
    h = ("--home", str(vault_home))
    code, _, err = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", stdin="\n")
    assert code == 2 and "empty" in err
    code, _, err = run(capsys, monkeypatch, *h, "vault", "set", "nope", stdin="x")
    assert code == 2 and "unknown site nope" in err
    with pytest.raises(SystemExit):
        main([*h, "vault", "set", "corp-fb", "--kind", "pin"])
    assert PROCESS_MEMORY.get_password("oncall/corp-fb", "password") is None


@pytest.mark.parametrize(("login", "site"), [
    ("gmercer", "corp-fb"),        # Professional Standards: never
    ("sokafor", "corp-fb"),        # a press officer reads on call, but does not change
    ("thale", "corp-fb"),          # a local page's owner, on a corporate site
    ("thale", "wren-fb"),          # ... and on someone else's local page
    ("rellison", "brk-north-fb"),  # Corporate Communications
])
@pytest.mark.parametrize("verb", ["set", "delete"])
def test_cli_refuses_and_logs_who_may_not_change_a_credential(
        vault_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        login: str, site: str, verb: str) -> None:
    PROCESS_MEMORY.set_password(f"oncall/{site}", "password", "kept")
    monkeypatch.setenv("ONCALL_USER", login)
    argv = ["--home", str(vault_home), "vault", verb, site]
    argv += ["--kind", "password"] if verb == "delete" else []
    code, _, err = run(capsys, monkeypatch, *argv, stdin="overwritten")
    assert code == 4 and "refused" in err and "Web Communications" in err
    assert PROCESS_MEMORY.get_password(f"oncall/{site}", "password") == "kept"
    from oncall.actionlog import ActionLog

    last = ActionLog(vault_home / "log").tail(1)[0]
    assert (last.action, last.actor, last.details["site"]) == ("credential.refused", login,
                                                              site)


def test_cli_a_local_owner_may_change_their_own_page(
        vault_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "thale")
    code, _, _ = run(capsys, monkeypatch, "--home", str(vault_home), "vault", "set",
                     "brk-north-fb", stdin="mine")
    assert code == 0 and PROCESS_MEMORY.get_password("oncall/brk-north-fb", "password") \
        == "mine"


def test_cli_headless_host_exit_2_with_the_fix(demo_home: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    use_backend(demo_home, "")
    code, out, err = run(capsys, monkeypatch, "--home", str(demo_home), "vault", "list")
    assert code == 2 and out == "" and "Traceback" not in err
    assert 'backend = "file"' in err and "vault.sealed" in err


def test_cli_vault_file_takes_the_passphrase_from_the_environment(
        demo_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        cheap_kdf: None, getpass_forbidden: None) -> None:
    monkeypatch.setenv("ONCALL_USER", "mkowalski")  # Web Communications
    use_backend(demo_home, "file")
    h = ("--home", str(demo_home))
    monkeypatch.delenv("ONCALL_VAULT_PASSPHRASE", raising=False)
    code, _, err = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", stdin=LEAK)
    assert code == 2 and "ONCALL_VAULT_PASSPHRASE" in err
    monkeypatch.setenv("ONCALL_VAULT_PASSPHRASE", "pass phrase")
    code, _, _ = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", stdin=LEAK)
    assert code == 0
    assert LEAK.encode() not in (demo_home / "vault.sealed").read_bytes()
    monkeypatch.setenv("ONCALL_VAULT_PASSPHRASE", "not it")
    code, _, err = run(capsys, monkeypatch, *h, "vault", "set", "corp-fb", stdin="other")
    assert code == 2 and "wrong passphrase" in err and "not it" not in err
    monkeypatch.delenv("ONCALL_VAULT_PASSPHRASE")
    code, out, _ = run(capsys, monkeypatch, *h, "vault", "list")  # no passphrase needed
    assert code == 0 and any(x.startswith("corp-fb ") and x.endswith(" password")
                             for x in out.splitlines())


async def test_a_secret_never_leaks(vault_home: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "mkowalski")  # Web Communications
    h = ("--home", str(vault_home))
    outputs: list[str] = []
    for argv, stdin in ((("vault", "set", "corp-fb"), LEAK),
                        (("vault", "set", "corp-bsky", "--kind", "app_password"), LEAK),
                        (("vault", "set", "nope"), LEAK),
                        (("vault", "list"), ""), (("vault", "check"), ""),
                        (("log", "tail", "-n", "50"), ""), (("sites", "list"), "")):
        outputs.extend(run(capsys, monkeypatch, *h, *argv, stdin=stdin)[1:])
    vault = memory_vault(vault_home)
    secret = vault.get(FB, "password")
    assert secret is not None and secret.reveal() == LEAK
    outputs += [repr(secret), str(secret), f"{secret}", repr(vault.status(FB))]
    with pytest.raises(PublishError) as missing:
        await vault.token_for(FB)
    outputs += [str(missing.value), repr(missing.value), missing.value.raw]
    with pytest.raises(VaultError) as leaky:
        KeyStore(VaultSettings(), vault_home, backend=Leaky()).set(FB, "token", Secret(LEAK))
    outputs += [str(leaky.value), repr(leaky.value)]
    assert all(LEAK not in text for text in outputs)
    assert any("credential.stored" in text for text in outputs)
    for path in vault_home.rglob("*"):
        if path.is_file():
            assert LEAK.encode() not in path.read_bytes(), path


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_at_a_terminal_prompts_hidden_and_confirms_a_new_passphrase(
        demo_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        cheap_kdf: None) -> None:
    monkeypatch.setenv("ONCALL_USER", "mkowalski")  # Web Communications
    import getpass

    use_backend(demo_home, "file")
    monkeypatch.delenv("ONCALL_VAULT_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", Terminal())
    answers = iter(["first", "second",                 # a new vault: the two differ
                    "pass phrase", "pass phrase", LEAK])  # created, then the secret
    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt)
                        or next(answers))
    h = ("--home", str(demo_home))
    assert main([*h, "vault", "set", "corp-fb"]) == 2
    assert not (demo_home / "vault.sealed").exists()
    assert main([*h, "vault", "set", "corp-fb"]) == 0
    out, err = capsys.readouterr()
    assert "differ" in err and "creates" in err and LEAK not in out + err
    assert prompts[-1] == "password for Mercia Vale Police (Facebook) (not shown): "
    vault = KeyStore(VaultSettings(backend="file"), demo_home)
    vault.unlock(Secret("pass phrase"))
    assert vault.get(FB, "password") == Secret(LEAK)


def test_the_mail_relay_password_is_stored_by_web_comms_and_its_use_logged(
        vault_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall.keystore import MAIL_RELAY
    from oncall.session import open_session

    h = ("--home", str(vault_home))
    monkeypatch.setenv("ONCALL_USER", "sokafor")  # a press officer: not theirs to set
    code, _, err = run(capsys, monkeypatch, *h, "vault", "mail-password", stdin="relay-1\n")
    assert code != 0 and PROCESS_MEMORY.get_password(MAIL_RELAY, "password") is None
    assert "Web Communications" in err, err
    monkeypatch.setenv("ONCALL_USER", "mkowalski")
    code, out, _ = run(capsys, monkeypatch, *h, "vault", "mail-password", stdin="relay-1\n")
    assert code == 0 and "mail relay" in out and "relay-1" not in out
    vault = Vault.for_session(open_session(vault_home, "sokafor"))
    assert vault.mail_password() == Secret("relay-1")
    code, out, _ = run(capsys, monkeypatch, *h, "log", "tail", "-n", "2", "--json")
    assert '"action": "credential.stored"' in out and '"action": "credential.used"' in out
    assert "relay-1" not in out
