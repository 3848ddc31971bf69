"""`--debug`: a log file to attach to a bug report. It holds what the libraries log (the
HTTP requests, their status codes) and any traceback, run through the same redaction
as the networks' errors, so a token or password never reaches it."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

# Never into the file, whatever their level: they handle the secrets themselves.
SILENT = ("keyring", "keyrings")


class _Redacting(logging.Filter):
    """Drops the credential libraries' records; redacts token-like fields in the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in SILENT:
            return False
        from oncall.platforms.base import redact

        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback's text goes through redaction too (see _Formatter).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def log_directory() -> Path:
    """Where debug logs go: the platform's per-user log directory for oncall."""
    from platformdirs import user_log_dir

    return Path(user_log_dir("oncall"))


def start_debug_log(args: argparse.Namespace, directory: Path | None = None) -> Path:
    """Start writing the debug log; returns its path (readable by the officer alone)."""
    from oncall import __version__

    directory = directory or log_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"oncall-debug-{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    handler = logging.StreamHandler(os.fdopen(fd, "w", encoding="utf-8"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redacting())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    command = " ".join(a for a in sys.argv[1:] if not a.startswith("-")) or "(console)"
    logging.getLogger("oncall").info(
        "oncall %s, Python %s, %s; command: %s; TERM=%s", __version__,
        platform.python_version(), platform.platform(), command, os.environ.get("TERM", ""))

    def log_uncaught(kind: Any, error: BaseException, trace: Any) -> None:
        logging.getLogger("oncall").error("uncaught", exc_info=(kind, error, trace))
        sys.__excepthook__(kind, error, trace)

    def log_thread(hook: threading.ExceptHookArgs) -> None:
        if hook.exc_value is not None:
            logging.getLogger("oncall").error(
                "uncaught in thread %s", hook.thread.name if hook.thread else "?",
                exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback))

    sys.excepthook = log_uncaught
    threading.excepthook = log_thread
    return path
