"""What the command line's modules share: the errors handlers raise, opening the home."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback, exit 2."""


class RefusedError(Exception):
    """The procedure does not let this person do this (already logged); exit 4."""


def _home(args: argparse.Namespace) -> Path:
    from oncall.config import default_home

    return Path(args.home).expanduser() if args.home else default_home()


def _open(args: argparse.Namespace):  # -> Session, imported lazily for start-up speed
    from oncall.session import open_session

    home = _home(args)
    if not (home / "people.toml").exists():
        raise UsageError(
            f"no oncall home at {home} (no people.toml there).\n"
            "Set ONCALL_HOME to your force's shared home, or try `oncall demo`.")
    session = open_session(home, args.user)
    if session.ignored_user:
        print(f"oncall: ONCALL_USER={session.ignored_user} ignored: in this home you act as "
              f"your Unix login, {session.user.login}", file=sys.stderr)
    return session


def with_session(run: Callable[[argparse.Namespace, Any], int]) -> Handler:
    """A subcommand that works on the home as the current officer. A refusal by the
    procedure is exit 4; bad input or a vault problem (no keyring, locked, no answer)
    is exit 2."""

    def handler(args: argparse.Namespace) -> int:
        from oncall.cli_post import PostUsage
        from oncall.store import ReadOnly
        from oncall.vault import AccessRefused, VaultError

        session = _open(args)
        try:
            return run(args, session)
        except (AccessRefused, ReadOnly) as exc:
            raise RefusedError(str(exc)) from None
        except (VaultError, PostUsage) as exc:
            raise UsageError(str(exc)) from None

    handler.__doc__ = run.__doc__
    return handler


# Far above any network's limit (Facebook's 63,206 characters), so a real post always
# fits; a pasted log or a mistaken binary is refused before the checks run.
MAX_TEXT_BYTES = 1_048_576


def read_text_arg(path: str) -> str:
    """A post's text from a file, or standard input for "-": UTF-8, at most 1 MB. Any
    problem (missing, a directory, not UTF-8, too large) is a UsageError naming it."""
    from oncall.fsio import NotUTF8, decode_utf8, read_regular

    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)  # None: a text-only stand-in
            raw = (stream.read(MAX_TEXT_BYTES + 1) if stream is not None
                   else sys.stdin.read(MAX_TEXT_BYTES + 1).encode("utf-8", "surrogateescape"))
            if len(raw) > MAX_TEXT_BYTES:
                raise UsageError("standard input: too large (the limit is 1 MB of text)")
        else:
            raw = read_regular(Path(path), MAX_TEXT_BYTES)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the name: no such file can exist
        raise UsageError(f"{path!r}: not a file name") from None
    try:
        return decode_utf8(raw)
    except NotUTF8 as exc:
        raise UsageError(f"{path}:{exc}") from None
