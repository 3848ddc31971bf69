"""`oncall vault ...`: site passwords and tokens from the shell, through the vault's
rules (every change checked and logged by `oncall.vault.Vault`)."""

from __future__ import annotations

import argparse
import os
import sys

from oncall.cli_common import UsageError, with_session
from oncall.textsafe import printable

# The kinds oncall.vault stores (repeated here so that building the parser does not
# import keyring; a test checks the two lists agree).
VAULT_KINDS = ("password", "token", "app_password", "totp_seed")


def _vault(session, need_key: bool):  # -> Vault; imported lazily
    """The session's vault, unlocked with its passphrase when the command reads or
    writes a secret (from $ONCALL_VAULT_PASSPHRASE, else a hidden prompt)."""
    from oncall.secret import Secret
    from oncall.vault import Vault

    vault = Vault.for_session(session)
    if not (need_key and vault.locked):
        return vault
    new = not vault.initialised
    env = os.environ.get("ONCALL_VAULT_PASSPHRASE")
    if env:
        if new:
            print(printable(f"oncall: creating the vault {vault.file} with the passphrase in "
                  "ONCALL_VAULT_PASSPHRASE"), file=sys.stderr)
        vault.unlock(Secret(env))
        return vault
    if not sys.stdin.isatty():
        raise UsageError(f"the vault ({vault.backend_label}) is locked: set "
                         "ONCALL_VAULT_PASSPHRASE or run this in a terminal")
    import getpass

    passphrase = getpass.getpass("Vault passphrase (not shown): ")
    if new:
        print(printable(f"There is no vault yet; this passphrase creates {vault.file}."),
              file=sys.stderr)
        if getpass.getpass("The same passphrase again: ") != passphrase:
            raise UsageError("the two passphrases differ; nothing was created")
    vault.unlock(Secret(passphrase))
    return vault


def _site(session, site_id: str):  # -> Site
    site = session.sites.get(site_id)
    if site is None:
        raise UsageError(f"unknown site {site_id}; see `oncall sites list`")
    return site


@with_session
def cmd_vault_set(args: argparse.Namespace, session) -> int:
    """Store a site's secret, typed at a hidden prompt or piped on standard input."""
    from oncall.platforms.base import site_label
    from oncall.secret import Secret
    from oncall.vault import KIND_LABELS

    site = _site(session, args.site)
    label = KIND_LABELS[args.kind]
    vault = _vault(session, need_key=True)  # a wrong passphrase fails before the typing
    vault.require_change(site, args.kind, "store")  # and so does a refusal (logged)
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{label} for {site_label(site)} (not shown): ")
    else:
        value = sys.stdin.read().rstrip("\r\n")
    if not value.strip():
        raise UsageError(f"nothing stored: the {label} is empty")
    vault.set(site, args.kind, Secret(value))  # checked and logged by the vault
    print(printable(f"stored the {label} of {site_label(site)} in the vault "
                    f"({vault.backend_label})"))
    if not vault.persistent:
        print("oncall: [vault] backend is \"memory\": this is forgotten when the command "
              "ends", file=sys.stderr)
    return 0


@with_session
def cmd_vault_mail_password(args: argparse.Namespace, session) -> int:
    """Store the mail relay's password (for forwarding messages by e-mail)."""
    from oncall.secret import Secret

    vault = _vault(session, need_key=True)
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass("Password of the mail relay (not shown): ")
    else:
        value = sys.stdin.read().rstrip("\r\n")
    if not value.strip():
        raise UsageError("nothing stored: the password is empty")
    vault.set_mail_password(Secret(value))  # checked and logged by the vault
    print(printable(f"stored the mail relay's password in the vault ({vault.backend_label})"))
    return 0


@with_session
def cmd_vault_delete(args: argparse.Namespace, session) -> int:
    """Remove one secret of a site."""
    from oncall.platforms.base import site_label
    from oncall.vault import KIND_LABELS

    site = _site(session, args.site)
    label = KIND_LABELS[args.kind]
    if not _vault(session, need_key=True).delete(site, args.kind):
        print(printable(f"no {label} was stored for {site_label(site)}"))
        return 0
    print(printable(f"deleted the {label} of {site_label(site)}"))
    return 0


def _vault_sites(session) -> list:
    return sorted(session.sites.all(), key=lambda s: (s.tier, s.area, s.name, s.id))


@with_session
def cmd_vault_list(args: argparse.Namespace, session) -> int:
    """Each site with its username and which secrets are stored (never the secrets)."""
    from oncall.textsafe import printable

    vault = _vault(session, need_key=False)
    for s in _vault_sites(session):
        stored = [k for k, ok in vault.status(s).items() if ok]
        print(printable(f"{s.id:<24} {s.tier:<9} {s.username or '-':<32} "
                        f"{', '.join(stored) or '-'}", single_line=True))
    return 0


@with_session
def cmd_vault_check(args: argparse.Namespace, session) -> int:
    """Sites without a password or API token; exit 1 if any lacks a password."""
    from oncall.textsafe import printable
    from oncall.vault import token_kind

    vault = _vault(session, need_key=False)
    no_password = no_token = 0
    for s in _vault_sites(session):
        status = vault.status(s)
        missing = [k for k in ("password", token_kind(s)) if not status[k]]
        no_password += "password" in missing
        no_token += len(missing) - ("password" in missing)
        if missing:
            print(printable(f"{s.id:<24} missing {' and '.join(missing)}", single_line=True))
    print(printable(f"{no_password} site(s) without a password, {no_token} without an API token "
          f"({vault.backend_label})"), file=sys.stderr)
    return 1 if no_password else 0
