"""The credential vault: the one door to the sites' passwords and tokens, with the
procedure's access rules enforced on every read and write.

Reading a credential (to copy, reveal or make a two-factor code) follows
`access.decide`: first-line holders, break-glass with a reason, Professional
Standards never. Changing one follows `access.may_manage`: Web Communications,
or a local page's owner or local communications officer for that page. Every use
and every refusal is written to the action log, and the log entry is written
before the secret is handed over: if it cannot be logged, it is not given. The
store behind it (keyring, with a timeout) is `oncall.keystore.KeyStore`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from keyring.backend import KeyringBackend

from oncall.access import AccessDecision, Right, decide, may_manage, may_post
from oncall.keystore import (
    KIND_LABELS,
    KINDS,
    MAIL_RELAY,
    PROCESS_MEMORY,
    VAULT_FILE,
    KeyStore,
    MemoryKeyring,
    VaultError,
    VaultLocked,
    VaultTimeout,
    VaultUnavailable,
    headless_fix,
    is_sandbox,
    service_for,
    token_kind,
)
from oncall.model import Site
from oncall.platforms.base import Failure, PublishError, site_label
from oncall.secret import Secret
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.session import Session

__all__ = [
    "KINDS", "KIND_LABELS", "PROCESS_MEMORY", "VAULT_FILE", "AccessRefused", "KeyStore",
    "MemoryKeyring", "Vault", "VaultError", "VaultLocked", "VaultTimeout", "VaultUnavailable",
    "headless_fix", "is_sandbox", "service_for", "token_kind",
]

REGISTRY_TTL = 5.0  # seconds
# What a credential was taken for, as logged: credential.copied, .revealed, .code_copied.
PURPOSES = ("copied", "revealed", "code_copied")


class AccessRefused(VaultError):
    """The procedure does not let this person do this; `rule` says which part. Logged."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class Vault(KeyStore):
    """The KeyStore as one officer may use it. Built by `for_session`, so it always knows
    who is asking; the raw, unchecked reads and writes are the KeyStore's alone."""

    def __init__(self, session: Session, *, backend: KeyringBackend | None = None,
                 timeout: float | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(session.settings.vault, session.paths.home, backend=backend,
                         timeout=timeout)
        self.session = session
        self.clock = clock
        self._sites: tuple[float, list[Site]] | None = None

    @classmethod
    def for_session(cls, session: Session) -> Vault:
        """The vault configured in the session's home, for the session's officer."""
        return cls(session)

    # --- the rules -----------------------------------------------------------------------

    def access(self, site: Site) -> AccessDecision:
        """May this officer reach `site`'s credential now, and on what footing."""
        return decide(self.session.user, site, self.session.directory, self.clock())

    def _refuse(self, site: Site | None, rule: str, message: str, what: str,
                incident: str = "") -> AccessRefused:
        self.session.record("credential.refused", subject=site.name if site else "registry",
                            incident=incident or None,
                            details={"site": site.id if site else "", "rule": rule,
                                     "wanted": what})
        return AccessRefused(rule, message)

    def _check_read(self, site: Site, kind: str, purpose: str, reason: str,
                    incident: str = "") -> AccessDecision:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        decision = self.access(site)
        if not decision.allowed:
            raise self._refuse(site, decision.rule, decision.explanation, f"{kind} {purpose}",
                               incident)
        if decision.needs_reason and not reason.strip():
            raise self._refuse(site, "reason.required", "Give a reason: it goes in the action "
                               "log with who, which site and when.", f"{kind} {purpose}",
                               incident)
        return decision

    def require_change(self, site: Site, kind: str, what: str) -> Right:
        """Raise AccessRefused (logged) unless this officer may change the credential."""
        right = may_manage(self.session.user, site,
                           self.session.settings.rights.manage_credentials)
        if not right.allowed:
            raise self._refuse(site, right.rule, right.explanation, f"{kind} {what}")
        return right

    # --- reading -------------------------------------------------------------------------

    def take(self, site: Site, kind: str = "password", *, purpose: str = "copied",
             reason: str = "", incident: str = "") -> Secret | None:
        """The stored secret for this officer, if the rules allow, logged as
        credential.<purpose> before it is returned; None if none is stored (not logged).
        `incident`: the incident it is taken for, if any: the use is then part of that
        incident's record. Raises AccessRefused (logged) or a VaultError."""
        decision = self._check_read(site, kind, purpose, reason, incident)
        secret = self._wait(self._get(site, kind))
        if secret is not None:
            self._log_use(site, kind, purpose, reason, decision, incident)
        return secret

    async def atake(self, site: Site, kind: str = "password", *, purpose: str = "copied",
                    reason: str = "", incident: str = "") -> Secret | None:
        """`take` for async code (the checks and the log run in a thread)."""
        decision = await asyncio.to_thread(self._check_read, site, kind, purpose, reason,
                                           incident)
        secret = await self._await(self._get(site, kind))
        if secret is not None:
            await asyncio.to_thread(self._log_use, site, kind, purpose, reason, decision,
                                    incident)
        return secret

    def _log_use(self, site: Site, kind: str, purpose: str, reason: str,
                 decision: AccessDecision, incident: str = "") -> None:
        self.session.record(f"credential.{purpose}", subject=site.name,
                            incident=incident or None, details={
            "site": site.id, "kind": kind, "reason": reason.strip(), "rule": decision.rule,
            "break_glass": not decision.first_line})

    def get(self, site: Site, kind: str = "password") -> Secret | None:
        """Refused: say what the secret is for (`take`), so that it is logged."""
        raise AccessRefused("vault.get", "Use Vault.take(site, kind, purpose=..., reason=...): "
                            "every read of a credential is checked and logged.")

    async def aget(self, site: Site, kind: str = "password") -> Secret | None:
        """Refused: see `get`."""
        return self.get(site, kind)

    # --- changing ------------------------------------------------------------------------

    # --- the mail relay's password -------------------------------------------------------

    def mail_password(self, purpose: str = "mail") -> Secret | None:
        """The relay's password, to send a forwarded message (any officer's console
        forwards); its use is logged like a site credential's. None if none is stored."""
        secret = self._wait(self._get(MAIL_RELAY, "password"))
        if secret is not None:
            self.session.record("credential.used", subject="mail relay",
                                details={"site": "", "kind": "password", "purpose": purpose})
        return secret

    def set_mail_password(self, value: Secret) -> None:
        """Store the relay's password: those who hold the credentials only; logged."""
        right = may_manage(self.session.user, None,
                           self.session.settings.rights.manage_credentials)
        if not right.allowed:
            raise self._refuse(None, right.rule, right.explanation, "mail relay password")
        self._wait(self._set(MAIL_RELAY, "password", value), write=True)
        self.session.record("credential.stored", subject="mail relay",
                            details={"site": "", "kind": "password"})

    def set(self, site: Site, kind: str, value: Secret) -> None:
        """Store `value` if this officer may change the site's credentials; logged."""
        self.require_change(site, kind, "store")
        super().set(site, kind, value)
        self.session.record("credential.stored", subject=site.name,
                            details={"site": site.id, "kind": kind})

    async def aset(self, site: Site, kind: str, value: Secret) -> None:
        """`set` for async code."""
        await asyncio.to_thread(self.require_change, site, kind, "store")
        await super().aset(site, kind, value)
        await asyncio.to_thread(self.session.record, "credential.stored", subject=site.name,
                                details={"site": site.id, "kind": kind})

    def delete(self, site: Site, kind: str) -> bool:
        """Remove a secret if this officer may change the site's credentials; logged."""
        self.require_change(site, kind, "delete")
        removed = super().delete(site, kind)
        if removed:
            self.session.record("credential.deleted", subject=site.name,
                                details={"site": site.id, "kind": kind})
        return removed

    async def adelete(self, site: Site, kind: str) -> bool:
        """`delete` for async code."""
        await asyncio.to_thread(self.require_change, site, kind, "delete")
        removed = await super().adelete(site, kind)
        if removed:
            await asyncio.to_thread(self.session.record, "credential.deleted",
                                    subject=site.name, details={"site": site.id, "kind": kind})
        return removed

    # --- posting ---------------------------------------------------------------------------

    async def _registry(self) -> list[Site]:
        """The site registry, read at most once per REGISTRY_TTL: a fan-out asks for many
        tokens at once, and the send path has already checked against a fresh read."""
        now = time.monotonic()
        if self._sites is None or now - self._sites[0] > REGISTRY_TTL:
            self._sites = (now, await asyncio.to_thread(self.session.sites.all))
        return self._sites[1]

    async def token_for(self, site: Site) -> Secret:
        """The site's API token, for posting as this officer: only where they may post
        (the send path has checked it; this holds for any other caller too)."""
        registry = await self._registry()
        right = may_post(self.session.user, site, registry,
                         self.session.settings.rights.post_anywhere)
        if not right.allowed:
            raise PublishError(Failure.REJECTED, f"{site_label(site)}: {right.explanation} "
                               "Nothing was sent.")
        return await super().token_for(site)
