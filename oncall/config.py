"""Where oncall keeps its data, and the settings read from `config.toml`.

Every officer on a shared comms host can point `ONCALL_HOME` at one
group-writable directory so they all see the same incidents and log.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from oncall.resources import shipped_dir
from oncall.tomlfile import Problem, TomlError, check_type, load, type_name

THEMES = ("corporate", "high-contrast", "mono")


def default_home() -> Path:
    """The data directory: `ONCALL_HOME`, else the platform's user data dir."""
    env = os.environ.get("ONCALL_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("oncall", appauthor=False))


@dataclass(frozen=True)
class Paths:
    """The files and directories under one oncall home."""

    home: Path

    @property
    def config(self) -> Path:
        return self.home / "config.toml"

    @property
    def people(self) -> Path:
        return self.home / "people.toml"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log(self) -> Path:
        return self.home / "log"

    def ensure(self) -> None:
        """Create the home's directories: the group's to read and write, no one else's."""
        from oncall.fsio import make_dirs

        for d in (self.home, self.data, self.log):
            make_dirs(d)


@dataclass(frozen=True)
class ForceSettings:
    # No default names a real force: a home without [force] says what to set (unset()).
    name: str = "Police"
    website: str = ""
    phone: str = "101"
    disclaimer: str = (
        "External sites and profile content are not controlled by the force. "
        "To report a crime call 101, or 999 in an emergency."
    )

    def unset(self) -> list[str]:
        """What config.toml's [force] table must still say, in words for the dashboard."""
        missing = []
        if not self.website:
            missing.append("config.toml [force] has no website: set website = "
                           "\"https://www.…police.uk\" so links and appeals can be checked")
        if self.name == "Police":
            missing.append("config.toml [force] has no name: set name = \"… Police\" "
                           "(it is used in templates)")
        return missing


@dataclass(frozen=True)
class UISettings:
    theme: str = "corporate"
    clipboard_clear_seconds: int = 20
    log_tail: int = 8
    # Minutes before an update is due that the banner shows and the bell rings.
    update_warning_minutes: int = 5


@dataclass(frozen=True)
class VaultSettings:
    """Where secrets are kept: "" (keyring's default), "memory", "file" or a keyring
    backend class path; and how long a keyring call may take before oncall gives up."""

    backend: str = ""
    timeout_seconds: int = 5


@dataclass(frozen=True)
class InboxSettings:
    """Reading what the public sends the sites. The word lists add to the built-in
    triage rules (oncall.triage): a message holding any of them needs action for that
    rule's reason; the emergency words also raise the emergency banner."""

    poll_seconds: int = 60          # how often each site is read (a failing one waits longer)
    acknowledge_minutes: int = 15   # a message needing action is OVERDUE after this long
    emergency_words: tuple[str, ...] = ()
    information_words: tuple[str, ...] = ()
    press_words: tuple[str, ...] = ()
    complaint_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleSettings:
    """Scheduled posts (oncall run-due, oncall scheduler)."""

    # A post found later than this after its time is not sent: it is marked missed for
    # an officer to send, move or cancel (a host was down; the scheduler was not running).
    grace_minutes: int = 10

    @property
    def grace(self) -> timedelta:
        """The grace period as a timedelta."""
        return timedelta(minutes=self.grace_minutes)


@dataclass(frozen=True)
class MailSettings:
    """The force's SMTP relay, for mailing a forwarded message to the member of staff it
    is for. No host: forwards are recorded and shown in their inbox view, not mailed.
    With a username, the password is the vault's entry for the relay (`oncall vault
    mail-password`)."""

    host: str = ""
    port: int = 587
    sender: str = ""          # the From: address, e.g. press-office@force.example
    username: str = ""
    starttls: bool = True     # refuse to send on a relay that will not encrypt
    cafile: str = ""          # CA certificates for a relay with a private certificate
    timeout_seconds: int = 20


@dataclass(frozen=True)
class RightsSettings:
    """Who may do what to the sites and incidents (reaching a credential follows the
    procedure's access paragraphs in oncall.access). Defaults from the procedure: the
    press office and Corporate and Web Communications post anywhere (a local page's own
    people post on their area's pages); Web Communications hold the credentials and
    the registry; the press office and Corporate Communications protect names; the
    press officer records an approval Corporate Communications gave by phone."""

    post_anywhere: tuple[str, ...] = ("press_officer", "web_comms", "corporate_comms")
    manage_credentials: tuple[str, ...] = ("web_comms",)
    protect_names: tuple[str, ...] = ("press_officer", "corporate_comms")
    record_approvals: tuple[str, ...] = ("press_officer",)


@dataclass(frozen=True)
class IdentitySettings:
    """Who an officer is. Normally their Unix login and nothing else, so the log names
    the person really at the keyboard. A demo or test home may let anyone act as one of
    its (fictional) staff with --user or ONCALL_USER; the log then records both logins."""

    allow_login_override: bool = False


@dataclass(frozen=True)
class LogSettings:
    """Signing and anchoring the action log (see oncall.signing and oncall.anchors)."""

    # This account's private signing keys; "" is ~/.local/share/oncall/keys. A relative
    # path is taken from the home (the demo keeps its fictional staff's keys there).
    key_dir: str = ""
    # The witness an anchor is published to: a command given the anchor line on its
    # standard input (e.g. ["logger", "-t", "oncall"] or a mail to Professional
    # Standards); empty means the local syslog.
    anchor_command: tuple[str, ...] = ()
    # Files `oncall log verify` reads anchors back from (a syslog file, a saved mail).
    anchor_read: tuple[str, ...] = ()
    # The console anchors at every incident close and at least this often while open.
    anchor_every_minutes: int = 60


@dataclass(frozen=True)
class PathSettings:
    playbooks: str = ""


@dataclass(frozen=True)
class PolicySettings:
    """Lists the procedure's checks use; the force can extend them in config.toml."""

    # Roles whose holders may override a blocking check (with a reason, logged).
    override_roles: tuple[str, ...] = ("corporate_comms",)
    # A site with no post through oncall for longer than this is listed as out of date
    # (the procedure: a page must not look abandoned).
    quiet_site_days: int = 30
    # Numbers that are not personal data: the force's own and national services.
    allowed_numbers: tuple[str, ...] = (
        "101", "999", "112", "18000", "0800 555 111", "0800 789 321", "0345 988 1188")
    # Wording that could compromise an operation: a warning, for the officer to judge.
    opsec_words: tuple[str, ...] = (
        "planned raid", "raid planned", "warrant will be executed", "will be executed at",
        "our tactics", "tactical", "armed officers are positioned", "officers are stationed",
        "officers are positioned", "surveillance", "undercover", "covert", "sniper",
        "road block at", "roadblock at", "stake-out", "stakeout", "informant")
    # Words that never go out under the force's name.
    blocked_words: tuple[str, ...] = (
        "fuck", "fucking", "shit", "shite", "bollocks", "bastard", "wanker", "twat", "cunt",
        "piss", "pissed", "arse", "arsehole", "dickhead", "scum", "scumbag", "retard",
        "lol", "lmao", "omg")
    # Template purposes whose posts go stale and need a review or expiry time.
    review_purposes: tuple[str, ...] = ("appeal", "holding", "advice", "update")


@dataclass(frozen=True)
class Settings:
    """Validated settings; every field has a working default."""

    force: ForceSettings = field(default_factory=ForceSettings)
    ui: UISettings = field(default_factory=UISettings)
    vault: VaultSettings = field(default_factory=VaultSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    policy: PolicySettings = field(default_factory=PolicySettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    rights: RightsSettings = field(default_factory=RightsSettings)
    log: LogSettings = field(default_factory=LogSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    # [keys]: an officer's own keys, binding id -> keys, e.g. "compose.send" = "f5,f10".
    keys: dict[str, str] = field(default_factory=dict)

    def key_dir(self, home: Path) -> Path:
        """Where this account's private signing keys are kept (see oncall.signing)."""
        if not self.log.key_dir:
            from oncall.signing import default_key_dir

            return default_key_dir()
        return Path(home) / Path(self.log.key_dir).expanduser()

    def playbooks_dir(self) -> Path:
        """The playbooks directory: `ONCALL_PLAYBOOKS`, then config, then shipped."""
        env = os.environ.get("ONCALL_PLAYBOOKS")
        if env:
            return Path(env).expanduser()
        if self.paths.playbooks:
            return Path(self.paths.playbooks).expanduser()
        return shipped_dir("playbooks")


_KEYMAP_ID = re.compile(r"[a-z_]+\.[a-z_]+")

_SECTIONS: dict[str, type] = {
    "force": ForceSettings,
    "ui": UISettings,
    "vault": VaultSettings,
    "paths": PathSettings,
    "policy": PolicySettings,
    "identity": IdentitySettings,
    "rights": RightsSettings,
    "log": LogSettings,
    "mail": MailSettings,
    "inbox": InboxSettings,
    "schedule": ScheduleSettings,
}


def _check_value(section: str, key: str, value: Any) -> str | None:
    if section == "ui" and key == "theme" and value not in THEMES:
        return f"unknown theme {value!r}; choose one of {', '.join(THEMES)}"
    if section == "ui" and key in ("clipboard_clear_seconds", "log_tail",
                                   "update_warning_minutes") and value < 1:
        return "must be at least 1"
    if (section, key) == ("inbox", "poll_seconds") and value < 15:
        return "must be at least 15 (the networks' rate limits)"
    if (section, key) in (("inbox", "acknowledge_minutes"), ("policy", "quiet_site_days"),
                          ("schedule", "grace_minutes")) and value < 1:
        return "must be at least 1"
    if section == "mail" and key == "port" and not 0 < value < 65536:
        return "must be a TCP port, 1 to 65535"
    if ((section == "vault" and key == "timeout_seconds")
            or (section == "mail" and key == "timeout_seconds")
            or (section == "log" and key == "anchor_every_minutes")) and value < 1:
        return "must be at least 1"
    if (section, key) == ("policy", "override_roles") or section == "rights":
        from oncall.model import Role

        unknown = [r for r in value if r not in {x.value for x in Role}]
        if unknown:
            return f"unknown role(s) {', '.join(unknown)}"
    return None


def load_settings(path: Path) -> Settings:
    """Read and validate `path`; a missing file gives the defaults.

    Raises TomlError listing every unknown key or wrong type with its line.
    """
    if not path.exists():
        return Settings()
    doc = load(path)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for name, table in doc.data.items():
        if name == "keys" and isinstance(table, dict):
            for key, value in table.items():
                if not _KEYMAP_ID.fullmatch(key):
                    problems.append(doc.problem(
                        f"keys.{key}: name an action as screen.action, e.g. "
                        '"compose.send"', name, key))
                elif not isinstance(value, str) or not value.strip():
                    problems.append(doc.problem(
                        f'keys.{key} must be keys as text, e.g. "f5" or "ctrl+e,f10"',
                        name, key))
                else:
                    keys[key] = value.replace(" ", "")
            continue
        cls = _SECTIONS.get(name)
        if cls is None:
            problems.append(doc.problem(
                f"unknown section [{name}]; known sections: {', '.join([*_SECTIONS, 'keys'])}",
                name))
            continue
        if not isinstance(table, dict):
            problems.append(doc.problem(f"{name} must be a table ([{name}])", name))
            continue
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            f = known.get(key)
            if f is None:
                problems.append(doc.problem(
                    f"unknown key {name}.{key}; known keys: {', '.join(known)}", name, key))
                continue
            kind = type(f.default)
            if kind is tuple:  # lists of words or numbers in the file
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    problems.append(doc.problem(
                        f"{name}.{key} must be a list of text, e.g. [\"a\", \"b\"]",
                        name, key))
                    continue
                value = tuple(value)
            elif not check_type(value, kind):
                problems.append(doc.problem(
                    f"{name}.{key} must be {type_name(kind)}, not {value!r}", name, key))
                continue
            if message := _check_value(name, key, value):
                problems.append(doc.problem(f"{name}.{key}: {message}", name, key))
                continue
            values[key] = value
        sections[name] = cls(**values)
    if problems:
        raise TomlError(problems)
    return Settings(**sections, keys=keys)
