"""The vault enforces the procedure's access rules on every read and write, and logs
each use and each refusal before anything is handed over."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall.actionlog import ActionLog
from oncall.keystore import KeyStore
from oncall.model import Site
from oncall.secret import Secret
from oncall.session import Session, open_session
from oncall.vault import PROCESS_MEMORY, AccessRefused, Vault

SECRET = "Kq-9-heron-lantern"


@pytest.fixture
def home(demo_home: Path) -> Iterator[Path]:
    PROCESS_MEMORY.clear()
    session = open_session(demo_home, "mkowalski")
    store = KeyStore(session.settings.vault, demo_home)
    for site in session.sites.all():
        store.set(site, "password", Secret(SECRET))
    yield demo_home
    PROCESS_MEMORY.clear()


def site(session: Session, site_id: str) -> Site:
    found = session.sites.get(site_id)
    assert found is not None
    return found


def last(session: Session) -> tuple[str, str, dict[str, object]]:
    entry = session.log.tail(1)[0]
    return entry.action, entry.actor, entry.details


def test_first_line_read_is_logged_before_it_is_returned(home: Path) -> None:
    session = open_session(home, "sokafor")  # the on-call press officer
    vault = Vault.for_session(session)
    secret = vault.take(site(session, "corp-fb"), purpose="copied")
    assert secret is not None and secret.reveal() == SECRET
    action, actor, details = last(session)
    assert (action, actor, details["site"], details["break_glass"]) == (
        "credential.copied", "sokafor", "corp-fb", False)


def test_professional_standards_is_refused_and_the_refusal_logged(home: Path) -> None:
    session = open_session(home, "gmercer")
    with pytest.raises(AccessRefused) as caught:
        Vault.for_session(session).take(site(session, "corp-fb"), purpose="revealed")
    assert caught.value.rule == "refused.professional_standards"
    action, actor, details = last(session)
    assert (action, actor, details["rule"]) == ("credential.refused", "gmercer",
                                                "refused.professional_standards")
    assert SECRET not in "".join(p.read_text() for p in (home / "log").glob("*.jsonl"))


def test_break_glass_needs_a_reason(home: Path) -> None:
    session = open_session(home, "sokafor")  # on call: a local page only as break-glass
    vault = Vault.for_session(session)
    local = site(session, "brk-north-fb")
    decision = vault.access(local)
    assert decision.needs_reason
    with pytest.raises(AccessRefused, match="reason"):
        vault.take(local, purpose="copied")
    assert last(session)[0] == "credential.refused"
    assert vault.take(local, purpose="copied", reason="holding statement") is not None
    assert last(session)[2]["reason"] == "holding statement"


def test_if_the_use_cannot_be_logged_the_secret_is_not_given(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = open_session(home, "sokafor")

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ActionLog, "append_many", full)  # every log write goes here
    with pytest.raises(OSError):
        Vault.for_session(session).take(site(session, "corp-fb"), purpose="copied")


def test_the_unchecked_get_is_refused(home: Path) -> None:
    session = open_session(home, "mkowalski")
    with pytest.raises(AccessRefused, match="take"):
        Vault.for_session(session).get(site(session, "corp-fb"))


@pytest.mark.parametrize(("login", "site_id", "allowed"), [
    ("mkowalski", "corp-fb", True),     # Web Communications
    ("thale", "brk-north-fb", True),    # the page's owner, for their own page
    ("jashworth", "brk-north-fb", True),  # its local communications officer
    ("thale", "corp-fb", False),
    ("sokafor", "corp-fb", False),      # press officers read, they do not change
    ("rellison", "corp-fb", False),
    ("gmercer", "brk-north-fb", False),
])
def test_who_may_change_a_credential(home: Path, login: str, site_id: str,
                                     allowed: bool) -> None:
    session = open_session(home, login)
    vault = Vault.for_session(session)
    target = site(session, site_id)
    if allowed:
        vault.set(target, "password", Secret("changed"))
        assert last(session)[0] == "credential.stored"
        assert vault.delete(target, "password") is True
        assert last(session)[0] == "credential.deleted"
        return
    for change in (lambda: vault.set(target, "password", Secret("changed")),
                   lambda: vault.delete(target, "password")):
        with pytest.raises(AccessRefused):
            change()
        assert last(session)[:2] == ("credential.refused", login)
    assert PROCESS_MEMORY.get_password(f"oncall/{site_id}", "password") == SECRET


async def test_a_token_for_posting_only_where_the_officer_may_post(home: Path) -> None:
    from oncall.platforms.base import PublishError

    session = open_session(home, "thale")
    vault = Vault.for_session(session)
    with pytest.raises(PublishError, match="Nothing was sent"):
        await vault.token_for(site(session, "corp-fb"))


async def test_async_changes_are_checked_and_logged_too(home: Path) -> None:
    officer = open_session(home, "sokafor")
    with pytest.raises(AccessRefused):
        await Vault.for_session(officer).aset(site(officer, "corp-fb"), "password",
                                              Secret("x"))
    with pytest.raises(AccessRefused):
        await Vault.for_session(officer).adelete(site(officer, "corp-fb"), "password")
    assert last(officer)[0] == "credential.refused"
    web = open_session(home, "mkowalski")
    await Vault.for_session(web).aset(site(web, "corp-fb"), "token", Secret("t"))
    assert last(web)[0] == "credential.stored"
    assert await Vault.for_session(web).adelete(site(web, "corp-fb"), "token")
    assert last(web)[0] == "credential.deleted"
    secret = await Vault.for_session(officer).atake(site(officer, "corp-fb"),
                                                    purpose="revealed")
    assert secret is not None and last(officer)[0] == "credential.revealed"
