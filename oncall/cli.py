"""Command line: `oncall` starts the console; subcommands script the rest.

Exit codes: 0 success, 1 a check failed (e.g. `log verify`), 2 the input or
set-up is wrong (bad config, unknown user, disk full), 4 the procedure refuses
this person the action (logged); `oncall post` adds 3 for a text the checks
block. Errors are one clear message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oncall import __version__
from oncall.cli_common import (
    Handler,
    RefusedError,
    UsageError,
    _home,
    _open,
    read_text_arg,
    with_session,
)
from oncall.cli_vault import (
    VAULT_KINDS,
    cmd_vault_check,
    cmd_vault_delete,
    cmd_vault_list,
    cmd_vault_mail_password,
    cmd_vault_set,
)
from oncall.textsafe import printable


def _no_collection_until_first_paint() -> None:
    """Start-up allocates a great many objects and frees few: the cyclic collector's
    passes over them cost about a tenth of the time to the first screen. The console
    turns it back on when that screen is drawn (OncallApp.on_ready)."""
    import gc

    gc.disable()


def cmd_tui(args: argparse.Namespace, backstage: Callable[[], None] | None = None) -> int:
    """Start the console; `backstage` (the demo's sandbox and made-up passwords) runs
    after the first paint, and nothing that needs it goes ahead before it is done."""
    _no_collection_until_first_paint()
    session = _open(args)
    from oncall.ui.app import make_app

    if session.settings.keys:
        # Checking them imports every screen: only when there is something to check.
        from oncall.ui.keys import binding_ids

        unknown = sorted(set(session.settings.keys) - binding_ids())
        if unknown:
            raise UsageError(f"{session.paths.config}: [keys] names no action "
                             f"{', '.join(unknown)}; actions: "
                             f"{', '.join(sorted(binding_ids()))}")
    result = make_app(session, theme=args.theme, backstage=backstage, poll_inbox=True,
                      ends_on_hangup=True).run()
    return int(result or 0)


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo force in a fresh home and start the console on it."""
    _no_collection_until_first_paint()
    from oncall.demo import DEMO_USER, build_demo

    if args.keep:
        home = Path(args.keep).expanduser().resolve()
        if not (home / "people.toml").exists():
            build_demo(home)
        print(printable(f"oncall demo home: {home} (kept)"), file=sys.stderr)
    else:
        home = Path(tempfile.mkdtemp(prefix="oncall-demo-"))
        built = _aside(lambda: build_demo(home))
        try:
            import oncall.ui.app  # noqa: F401  (the longer job, meanwhile, in this process)
        finally:
            built()
    os.environ["ONCALL_HOME"] = str(home)
    args.home = str(home)
    args.user = args.user or DEMO_USER
    backstage = _DemoBackstage(home)
    try:
        return cmd_tui(args, backstage=backstage.start)
    finally:
        backstage.stop()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def _aside(work: Callable[[], object]) -> Callable[[], None]:
    """Start `work` in a forked child and return the wait for it, which raises
    UsageError with the child's one-line error. The demo builds its home this way while
    this process imports the console, so on two cores neither waits for the other. The
    child does only file work and leaves by os._exit: no atexit handler, no buffered
    output of ours runs twice. Without fork (Windows), `work` runs here and now."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        work()  # forking a threaded process is unsafe; so is a platform without fork
        return lambda: None
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(reader)
            work()
        except BaseException as exc:  # anything at all becomes one line for the parent
            code = 1
            with contextlib.suppress(BaseException):
                from oncall.faults import describe

                message = describe(exc) if isinstance(exc, OSError) else str(exc)
                os.write(writer, (message or type(exc).__name__).encode()[:4096])
        finally:
            os._exit(code)
    os.close(writer)

    def wait() -> None:
        with os.fdopen(reader, "rb") as pipe:
            message = pipe.read().decode("utf-8", "replace")
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise UsageError(f"the demo home could not be built: {message or status}")

    return wait


class _DemoBackstage:
    """The demo's sandbox and passwords, set up after the first paint (they take longer
    than drawing the dashboard) and taken down when the console ends, even if that was
    before they were ever started."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._sandbox: Any = None
        self._stopped = False

    def start(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._sandbox = _demo_sandbox(self.home)
        _demo_vault(self.home)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._sandbox is not None:
                self._sandbox.stop()


def _demo_sandbox(home: Path):  # -> Sandbox; imported lazily
    """Start the local sandbox on loopback and point every demo site at it, so the whole
    flow, posting included, works offline."""
    from dataclasses import replace

    from oncall.config import Paths
    from oncall.demo_inbox import demo_messages
    from oncall.sandbox import Sandbox
    from oncall.store import SiteRepository, Store
    from oncall.timeutil import utcnow

    sandbox = Sandbox(port=0).start()
    repo = SiteRepository(Store(Paths(home).data))
    repo.put_many([replace(s, api_base=sandbox.base_for(s.platform)) for s in repo.all()])
    for site, message in demo_messages(utcnow()):
        sandbox.state.add_inbox(site, message)
    return sandbox


def _demo_vault(home: Path) -> None:
    """Made-up passwords for the demo's sites, in this process's memory only."""
    import secrets

    from oncall.keystore import KeyStore
    from oncall.secret import Secret
    from oncall.session import open_session

    # Setting up the fictional force, not an officer's action: straight to the store.
    session = open_session(home, "mkowalski")
    vault = KeyStore(session.settings.vault, home)
    words = ("heron", "copper", "lantern", "meadow", "quarry", "thistle", "harbour", "ember")
    for site in session.sites.all():
        made_up = "-".join(secrets.choice(words) for _ in range(3))
        made_up += f"-{secrets.randbelow(90) + 10}"
        vault.set(site, "password", Secret(made_up))


def cmd_sites_import(args: argparse.Namespace) -> int:
    """Load a site registry file into the store (replacing sites with the same id)."""
    from oncall.access import may_manage
    from oncall.registry import load_sites

    session = _open(args)
    right = may_manage(session.user, None, session.settings.rights.manage_credentials)
    if not right.allowed:
        session.record("site.registry.refused", details={"rule": right.rule,
                                                         "source": Path(args.file).name})
        raise RefusedError(right.explanation)
    sites = load_sites(Path(args.file))
    session.sites.put_many(sites)
    session.record("site.registry.imported", details={"sites": len(sites),
                                                      "source": Path(args.file).name})
    print(printable(f"imported {len(sites)} sites from {args.file}"))
    return 0


def cmd_sites_list(args: argparse.Namespace) -> int:
    """List the registered sites (no secrets)."""
    session = _open(args)
    for s in sorted(session.sites.all(), key=lambda s: (s.tier, s.area, s.name)):
        print(printable(f"{s.id:<24} {s.tier:<9} {s.platform_label:<9} {s.area or '-':<16} "
                        f"{s.name}", single_line=True))
    return 0


def _playbooks_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "dir", None):
        return Path(args.dir)
    from oncall.config import Paths, Settings, load_settings

    config = Paths(_home(args)).config
    return (load_settings(config) if config.exists() else Settings()).playbooks_dir()


def cmd_playbooks_check(args: argparse.Namespace) -> int:
    """Validate every playbook and template; print each problem as file:line."""
    from oncall.playbooks import load_library

    directory = _playbooks_dir(args)
    lib = load_library(directory)
    for problem in lib.problems:
        print(printable(str(problem)), file=sys.stderr)
    if lib.problems:
        print(printable(f"{len(lib.problems)} problem(s) in {len(lib.broken_files)} file(s); "
              f"{len(lib.playbooks)} playbooks loaded"), file=sys.stderr)
        return 1
    print(printable(f"{directory}: {len(lib.playbooks)} playbooks, {len(lib.templates)} templates, "
          "no problems"))
    return 0


def cmd_playbooks_list(args: argparse.Namespace) -> int:
    """List the playbooks that load, with their templates."""
    from oncall.playbooks import load_library

    lib = load_library(_playbooks_dir(args))
    for pb in sorted(lib.playbooks.values(), key=lambda p: p.title):
        templates = ", ".join(t.id for t in lib.templates_for(pb))
        print(printable(f"{pb.id:<28} {pb.title}  [{len(pb.steps)} steps; {templates}]",
                        single_line=True))
    return 1 if lib.problems else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check a text against the procedure for the given sites; exit 1 on any block."""
    from oncall.policy import Post, check

    session = _open(args)
    text = read_text_arg(args.file)
    known = {s.id: s for s in session.sites.all()}
    wanted = list(known) if "all" in args.site else args.site
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise UsageError(f"unknown site(s): {', '.join(unknown)}; see `oncall sites list`")
    incident = None
    if args.incident:
        incident = session.incidents.get(args.incident)
        if incident is None:
            raise UsageError(f"no incident {args.incident}")
    template = None
    if args.template:
        from oncall.playbooks import load_library

        template = load_library(session.settings.playbooks_dir()).templates.get(args.template)
        if template is None:
            raise UsageError(f"no template {args.template}")
    post = Post(text=text, sites=[known[s] for s in wanted], incident=incident,
                template=template, people=list(session.directory.people.values()),
                force=session.settings.force, policy=session.settings.policy,
                corporate_approved=args.corporate_approved)
    findings = check(post)
    name = "-" if args.file == "-" else args.file
    for f in findings:
        if args.json:
            print(json.dumps({"rule": f.rule, "severity": f.severity, "message": f.message,
                              "where": f.where(text), "span": f.span, "sites": list(f.sites),
                              "cite": f.cite}, ensure_ascii=True))
            continue
        where = f":{f.where(text)}" if f.span else ""
        sites = f" [{', '.join(f.sites)}]" if f.sites else ""
        print(printable(f"{name}{where}: {f.severity.upper()} {f.rule}{sites}: {f.message}",
                        single_line=True))
        if f.severity == "block":
            print(printable(f"    procedure: {f.cite}"))
    blocks = sum(f.severity == "block" for f in findings)
    if not args.json:
        print(printable(f"{blocks} blocking, {len(findings) - blocks} other finding(s) "
              f"for {len(wanted)} site(s)"), file=sys.stderr)
    return 1 if blocks else 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Serve the networks' API shapes on 127.0.0.1 until Ctrl+C."""
    from oncall.sandbox import run_sandbox

    return run_sandbox(args.port)


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure and print the performance figures."""
    if args.full:
        from oncall.bench_year import run_year_bench

        run_year_bench(Path(args.year_home) if args.year_home else None, quick=args.quick)
        return 0
    from oncall.bench import run_bench

    run_bench(quick=args.quick, posting=args.posting)
    return 0


EPILOG = """\
examples:
  oncall demo                          try it on a fictional force (nothing is posted)
  oncall                               open the console on your force's home
  oncall post --incident 20261204-01 --site all --yes appeal.txt
  oncall check --site all draft.txt    the procedure's checks, without posting
  oncall log verify                    walk the action log's hash chain
  oncall vault set corp-x --kind token (Web Communications) store an API token

exit codes:
  0 done   1 a check failed (log verify, check, vault check)   2 bad input or set-up
  3 `oncall post`: the checks block the text   4 the procedure refuses you the action
  130 interrupted

global options (--home, --user, --theme, --debug) may also follow the command.
shell completion: eval "$(register-python-argcomplete oncall)"
"""


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--home, --user, --theme and --debug, accepted before or after the command. After
    it they default to SUPPRESS, so a value given before is not overwritten."""
    default: dict[str, object] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--home", help="data directory (default: $ONCALL_HOME or the user "
                        "data dir)", **default)  # type: ignore[arg-type]
    parser.add_argument("--user", help="act as this login (default: $ONCALL_USER or your "
                        "Unix login)", **default)  # type: ignore[arg-type]
    parser.add_argument("--theme", choices=("corporate", "high-contrast", "mono"),
                        help="colour theme for this run", **default)  # type: ignore[arg-type]
    parser.add_argument("--debug", action="store_true",
                        help="write a debug log for a bug report (never a secret); its "
                        "path is printed at exit", **default)  # type: ignore[arg-type]


def _leaves(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser under `parser` that runs a command (has no subcommands of its own)."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                out.extend(_leaves(child) or [child])
    return out


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="oncall", description="Terminal console for on-call police press officers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"oncall {__version__}")
    _global_options(parser, top=True)
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser("demo", help="start on a fresh demo force (fictional)")
    demo.add_argument("--keep", metavar="DIR", help="build the demo home in DIR and keep it")
    demo.set_defaults(handler=cmd_demo)

    from oncall.cli_log import register as register_log

    register_log(sub, with_session)
    from oncall.cli_export import register as register_export
    from oncall.cli_export import register_freshness

    register_export(sub, with_session)
    register_freshness(sub, with_session)
    from oncall.cli_schedule import register as register_schedule

    register_schedule(sub, with_session)

    sites = sub.add_parser("sites", help="the site registry")
    sites_sub = sites.add_subparsers(title="sites commands", metavar="ACTION", required=True)
    imp = sites_sub.add_parser("import", help="load a sites.toml registry file")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_sites_import)
    lst = sites_sub.add_parser("list", help="list sites")
    lst.set_defaults(handler=cmd_sites_list)

    vault = sub.add_parser("vault", help="site passwords and API tokens (kept in keyring)")
    vault_sub = vault.add_subparsers(title="vault commands", metavar="ACTION", required=True)
    vset = vault_sub.add_parser("set", help="store a secret (hidden prompt, or standard "
                                "input when piped)")
    vset.add_argument("site", help="site id (see `oncall sites list`)")
    vset.add_argument("--kind", choices=VAULT_KINDS, default="password",
                      help="what to store (default: password)")
    vset.set_defaults(handler=cmd_vault_set)
    vlist = vault_sub.add_parser("list", help="sites and which secrets are stored")
    vlist.set_defaults(handler=cmd_vault_list)
    vcheck = vault_sub.add_parser("check", help="sites without a password or token; exit 1 "
                                  "if any lacks a password")
    vcheck.set_defaults(handler=cmd_vault_check)
    vdel = vault_sub.add_parser("delete", help="remove a stored secret")
    vdel.add_argument("site", help="site id")
    vdel.add_argument("--kind", choices=VAULT_KINDS, required=True)
    vdel.set_defaults(handler=cmd_vault_delete)
    vmail = vault_sub.add_parser("mail-password", help="store the [mail] relay's password "
                                 "(hidden prompt, or standard input when piped)")
    vmail.set_defaults(handler=cmd_vault_mail_password)

    pbs = sub.add_parser("playbooks", help="incident playbooks and their templates")
    pbs_sub = pbs.add_subparsers(title="playbooks commands", metavar="ACTION", required=True)
    check = pbs_sub.add_parser("check", help="validate; exit 1 naming each file:line")
    check.add_argument("dir", nargs="?", help="directory (default: the configured playbooks)")
    check.set_defaults(handler=cmd_playbooks_check)
    pls = pbs_sub.add_parser("list", help="list the playbooks")
    pls.add_argument("dir", nargs="?", help="directory (default: the configured playbooks)")
    pls.set_defaults(handler=cmd_playbooks_list)

    chk = sub.add_parser("check", help="check a text against the procedure; exit 1 on a block")
    chk.add_argument("file", help="text file, or - for standard input")
    chk.add_argument("--site", action="append", required=True,
                     help="site id to check for (repeat; 'all' for every site)")
    chk.add_argument("--incident", help="incident id (for proceedings-active checks)")
    chk.add_argument("--template", help="template id the text came from")
    chk.add_argument("--corporate-approved", action="store_true",
                     help="Corporate Communications have approved this appeal")
    chk.add_argument("--json", action="store_true", help="one JSON object per finding")
    chk.set_defaults(handler=cmd_check)

    from oncall.cli_post import register

    register(sub, with_session)

    sandbox = sub.add_parser("sandbox", help="serve stand-ins for the networks on "
                             "127.0.0.1 (offline demo and tests)")
    sandbox.add_argument("--port", type=int, default=8765,
                         help="port to listen on (default 8765; 0 picks a free one)")
    sandbox.set_defaults(handler=cmd_sandbox)

    bench = sub.add_parser("bench", help="measure and print performance figures")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    bench.add_argument("--posting", metavar="PATH",
                       help="also time the start of this `posting` command, side by side")
    bench.add_argument("--full", action="store_true",
                       help="on a generated year of history (500 incidents, 100,000 posts, "
                       "1,000,000 log entries): what must stay flat as history grows")
    bench.add_argument("--year-home", metavar="DIR",
                       help="with --full: build the year in DIR and keep it (reused when "
                       "DIR already holds one)")
    bench.set_defaults(handler=cmd_bench)
    for leaf in _leaves(parser):
        _global_options(leaf, top=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `oncall` command."""
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # a shell asking for completions: answer, exit
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if args.debug:
        from oncall.debuglog import start_debug_log

        path = start_debug_log(args)
        try:
            return _run(args)
        finally:
            print(printable(f"oncall: debug log written to {path}"), file=sys.stderr)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from oncall.actionlog import LogCorrupt
    from oncall.session import IdentityRefused
    from oncall.staff import UnknownUser
    from oncall.store import StoreError
    from oncall.tomlfile import TomlError

    handler: Handler = args.handler
    try:
        return handler(args)
    except TomlError as exc:
        for problem in exc.problems:
            print(printable(f"oncall: {problem}"), file=sys.stderr)
        return 2
    except (UnknownUser, UsageError, StoreError, IdentityRefused, LogCorrupt) as exc:
        print(printable(f"oncall: {exc}"), file=sys.stderr)
        return 2
    except RefusedError as exc:
        print(printable(f"oncall: refused: {exc}"), file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `oncall vault list | head`: the reader went away, not an error
        return 0
    except OSError as exc:
        from oncall.faults import describe

        print(printable(f"oncall: {describe(exc)}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
