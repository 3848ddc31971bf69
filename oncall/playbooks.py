"""Load and validate the playbooks and their pre-approved templates.

Files live in the playbooks directory: `*.toml` are playbooks (each may carry
its own `[[template]]`s) and `templates/*.toml` hold templates shared between
playbooks. Every problem is reported with its file and line, a broken file is
left out, and the rest still load: an officer at 3 a.m. still gets every
playbook that is sound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from oncall.model import (
    CadencePhase,
    FieldKind,
    Platform,
    Playbook,
    Role,
    Step,
    Template,
    TemplateField,
)
from oncall.tomlfile import Problem, TomlDoc, TomlError, check_type, load, type_name

# Placeholders every template may use without declaring them: they come from config.toml.
BUILTINS = frozenset({"force_name", "force_website", "force_phone", "disclaimer"})

PURPOSES = ("holding", "appeal", "update", "advice", "charge", "closure", "found",
            "standdown", "reply", "reassurance", "acknowledge")

_PLAYBOOK_KEYS: dict[str, Any] = {"id": str, "title": str, "when": str, "kind": str,
                                  "step": list, "cadence": list, "template": list}
_STEP_KEYS: dict[str, Any] = {"id": str, "title": str, "detail": str, "owner": str, "due": str,
                              "templates": list, "stand_down": bool}
_TEMPLATE_KEYS: dict[str, Any] = {
    "id": str, "title": str, "purpose": str, "body": str, "short": str, "platforms": list,
    "fields": dict, "approved_by": str, "approved_on": date, "review_by": date,
    "review_after": str}
_FIELD_KEYS: dict[str, Any] = {"label": str, "kind": str, "required": bool, "help": str,
                               "choices": list, "direction": str, "max_length": int}
_CADENCE_KEYS: dict[str, Any] = {"every": str, "for": str}


@dataclass
class Library:
    """Every playbook and template that loaded, and every problem found."""

    directory: Path
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def templates_for(self, playbook: Playbook) -> list[Template]:
        """The playbook's templates: its own and the shared ones its steps use."""
        ids = list(playbook.templates)
        for step in playbook.steps:
            ids.extend(t for t in step.templates if t not in ids)
        return [self.templates[t] for t in ids if t in self.templates]

    @property
    def broken_files(self) -> list[Path]:
        return sorted({p.path for p in self.problems})


def _duration_ok(text: object) -> bool:
    """A readable, positive length ("30m", "1h30m"): "0m" would make an update due
    continuously."""
    from oncall.cadence import parse_duration

    if not isinstance(text, str):
        return False
    try:
        return parse_duration(text).total_seconds() > 0
    except ValueError:
        return False


_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders(text: str) -> list[tuple[str, int]]:
    """The `{names}` in a template text with their character offsets.

    `{{` and `}}` are literal braces. Raises ValueError for a brace that does not
    close or a placeholder that is not a plain name (no format specs in templates).
    """
    found: list[tuple[str, int]] = []
    for m in _BRACES.finditer(text):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            raise ValueError(f"unmatched {token!r}; write {token * 2} for a literal brace")
        name = m.group(1).strip()
        if not name.isidentifier():
            raise ValueError(f"placeholder {token} must be a plain name like {{place}}")
        found.append((name, m.start()))
    return found


class _Checker:
    """Collects problems for one file."""

    def __init__(self, doc: TomlDoc) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, message: str, *key: str | int) -> None:
        self.problems.append(self.doc.problem(message, *key))

    def keys(self, table: Any, allowed: dict[str, Any], what: str, *key: str | int) -> bool:
        if not isinstance(table, dict):
            self.add(f"{what} must be a table", *key)
            return False
        ok = True
        for name, value in table.items():
            kind = allowed.get(name)
            if kind is None:
                self.add(f"unknown key {name!r} in {what}; allowed: {', '.join(allowed)}",
                         *key, name)
                ok = False
            elif not check_type(value, kind):
                self.add(f"{what}.{name} must be {type_name(kind)}", *key, name)
                ok = False
        return ok

    def required(self, table: dict[str, Any], names: tuple[str, ...], what: str,
                 *key: str | int) -> bool:
        missing = [n for n in names if not table.get(n)]
        if missing:
            self.add(f"{what} is missing {', '.join(missing)}", *key)
        return not missing


def _template(chk: _Checker, raw: Any, i: int, source: str) -> Template | None:
    key = ("template", i)
    if not chk.keys(raw, _TEMPLATE_KEYS, "template", *key):
        return None
    if not chk.required(raw, ("id", "title", "body"), "template", *key):
        return None
    tid = raw["id"]
    before = len(chk.problems)
    fields: list[TemplateField] = []
    for name, spec in raw.get("fields", {}).items():
        fkey = (*key, "fields", name)
        if not name.isidentifier():
            chk.add(f"field name {name!r} must be a plain name (letters, digits, _)", *fkey)
            continue
        if not chk.keys(spec, _FIELD_KEYS, f"field {name}", *fkey):
            continue
        kind = spec.get("kind", "text")
        if kind not in {k.value for k in FieldKind}:
            chk.add(f"field {name}: unknown kind {kind!r}; use one of "
                    f"{', '.join(k.value for k in FieldKind)}", *fkey, "kind")
        if kind == FieldKind.CHOICE and not spec.get("choices"):
            chk.add(f"field {name}: a choice field needs choices = [...]", *fkey)
        if spec.get("direction", "past") not in ("past", "future", "any"):
            chk.add(f"field {name}: direction must be past, future or any", *fkey, "direction")
        fields.append(TemplateField(
            name=name, label=spec.get("label") or name.replace("_", " ").capitalize(),
            kind=kind, required=spec.get("required", True), help=spec.get("help", ""),
            choices=tuple(map(str, spec.get("choices", []))),
            direction=spec.get("direction", "past"), max_length=spec.get("max_length", 0)))
    # A field written but refused above still counts as declared: its placeholder is not
    # also reported as undeclared, which would send the reader to add what is already there.
    declared = {f.name for f in fields} | set(raw.get("fields", {}))
    used: set[str] = set()
    for part in ("body", "short"):
        text = raw.get(part, "")
        try:
            names = placeholders(text)
        except ValueError as exc:
            chk.add(f"template {tid}: {part}: {exc}", *key, part)
            continue
        for name, offset in names:
            used.add(name)
            if name not in declared and name not in BUILTINS:
                line = chk.doc.line_within((*key, part), text, max(offset, 0))
                chk.problems.append(Problem(chk.doc.path, line, (
                    f"template {tid}: placeholder {{{name}}} has no declared field; add "
                    f"[template.fields.{name}] or use one of {', '.join(sorted(BUILTINS))}")))
    for name in sorted(declared - used):
        chk.add(f"template {tid}: field {name!r} is declared but never used in body or short",
                *key, "fields", name)
    platforms = tuple(map(str, raw.get("platforms", [])))
    for p in platforms:
        if p not in {x.value for x in Platform}:
            chk.add(f"template {tid}: unknown platform {p!r}", *key, "platforms")
    purpose = raw.get("purpose", "update")
    if purpose not in PURPOSES:
        chk.add(f"template {tid}: unknown purpose {purpose!r}; use one of "
                f"{', '.join(PURPOSES)}", *key, "purpose")
    if raw.get("review_after") and not _duration_ok(raw["review_after"]):
        chk.add(f"template {tid}: review_after {raw['review_after']!r} is not a duration "
                "like 4h or 30m", *key, "review_after")
    approved_on, review_by = raw.get("approved_on"), raw.get("review_by")
    if approved_on and review_by and review_by <= approved_on:
        chk.add(f"template {tid}: review_by is not after approved_on", *key, "review_by")
    if len(chk.problems) > before:
        return None
    return Template(id=tid, title=raw["title"], body=raw["body"].strip("\n"),
                    source=str(chk.doc.path), purpose=purpose,
                    short=raw.get("short", "").strip("\n"), platforms=platforms,
                    fields=tuple(fields), approved_by=raw.get("approved_by", ""),
                    approved_on=approved_on, review_by=review_by,
                    review_after=raw.get("review_after", ""))


def _templates(chk: _Checker) -> list[tuple[int, Template]]:
    """The templates that passed, each with its index among the file's [[template]]s."""
    raws = chk.doc.data.get("template", [])
    if not isinstance(raws, list):
        chk.add("templates must be written as [[template]] entries", "template")
        return []
    out = []
    for i, raw in enumerate(raws):
        t = _template(chk, raw, i, str(chk.doc.path))
        if t:
            out.append((i, t))
    return out


def _steps(chk: _Checker) -> list[tuple[int, Step]]:
    """The steps that passed, each with its index among the file's [[step]]s."""
    steps: list[tuple[int, Step]] = []
    seen: set[str] = set()
    raws = chk.doc.data.get("step", [])
    if not raws:
        chk.add("a playbook needs at least one [[step]]")
    roles = {r.value for r in Role}
    for i, raw in enumerate(raws):
        key = ("step", i)
        if not chk.keys(raw, _STEP_KEYS, "step", *key):
            continue
        if not chk.required(raw, ("id", "title"), "step", *key):
            continue
        if raw["id"] in seen:
            chk.add(f"step id {raw['id']!r} appears twice in this playbook", *key, "id")
        seen.add(raw["id"])
        due = raw.get("due", "")
        if due and (not due.startswith("+") or not _duration_ok(due)):
            chk.add(f"step {raw['id']}: due {due!r} is not an offset like +15m or +2h",
                    *key, "due")
        owner = raw.get("owner", Role.PRESS_OFFICER.value)
        if owner not in roles:
            chk.add(f"step {raw['id']}: unknown owner {owner!r}; use one of "
                    f"{', '.join(sorted(roles))}", *key, "owner")
        steps.append((i, Step(id=raw["id"], title=raw["title"], detail=raw.get("detail", ""),
                              owner=owner, due=due,
                              templates=tuple(map(str, raw.get("templates", []))),
                              stand_down=raw.get("stand_down", False))))
    return steps


def _cadence(chk: _Checker) -> list[CadencePhase]:
    phases = []
    raws = chk.doc.data.get("cadence", [])
    for i, raw in enumerate(raws):
        key = ("cadence", i)
        if not chk.keys(raw, _CADENCE_KEYS, "cadence", *key):
            continue
        every, span = raw.get("every", ""), raw.get("for", "")
        if not every or not _duration_ok(every):
            chk.add(f"cadence every = {every!r} is not a length of time like 30m "
                    "(more than zero)", *key)
            continue
        if span and not _duration_ok(span):
            chk.add(f"cadence for = {span!r} is not a duration like 4h", *key, "for")
            continue
        if not span and i != len(raws) - 1:
            chk.add("only the last cadence phase may go on without `for`", *key)
        phases.append(CadencePhase(every, span))
    return phases


def load_library(directory: Path, only: str = "*.toml") -> Library:
    """Load every playbook and template under `directory`, collecting problems; `only`
    narrows the playbook files (a glob) when one playbook is all that is wanted."""
    lib = Library(directory)
    if not directory.is_dir():
        lib.problems.append(Problem(directory, None, "playbooks directory not found"))
        return lib
    pending: list[tuple[_Checker, list[tuple[int, Template]], Path]] = []
    shared_ids: set[str] = set()
    files = sorted(directory.glob("templates/*.toml")) + sorted(directory.glob(only))
    template_home: dict[str, tuple[Path, int | None]] = {}
    for path in files:
        try:
            doc = load(path)
        except TomlError as exc:
            lib.problems.extend(exc.problems)
            continue
        chk = _Checker(doc)
        shared = path.parent.name == "templates"
        if shared:
            for key in doc.data:
                if key != "template":
                    chk.add(f"a shared templates file holds only [[template]]; found {key!r}",
                            key)
        templates = _templates(chk)
        for i, t in templates:
            if t.id in template_home or t.id in lib.templates:
                first, line = template_home.get(t.id, (path, None))
                chk.add(f"template id {t.id!r} is already used in {first.name}"
                        + (f":{line}" if line else ""), "template", i, "id")
            else:
                template_home[t.id] = (path, doc.line_of("template", i, "id"))
        if shared:
            if not chk.problems:
                lib.templates.update({t.id: t for _, t in templates})
                shared_ids.update(t.id for _, t in templates)
            lib.problems.extend(chk.problems)
        else:
            pending.append((chk, templates, path))
    for chk, templates, path in pending:
        doc = chk.doc
        if not chk.keys(doc.data, _PLAYBOOK_KEYS, "playbook"):
            lib.problems.extend(chk.problems)
            continue
        chk.required(doc.data, ("id", "title", "when"), "playbook")
        steps = _steps(chk)
        cadence = _cadence(chk)
        own = {t.id for _, t in templates}
        for i, step in steps:
            for tid in step.templates:
                if tid not in own and tid not in shared_ids:
                    chk.add(f"step {step.id}: unknown template {tid!r}", "step", i, "templates")
        pid = doc.data.get("id", "")
        if pid in lib.playbooks:
            chk.add(f"playbook id {pid!r} is already used in "
                    f"{Path(lib.playbooks[pid].source).name}", "id")
        lib.problems.extend(chk.problems)
        if chk.problems:
            continue
        lib.templates.update({t.id: t for _, t in templates})
        lib.playbooks[pid] = Playbook(
            id=pid, title=doc.data["title"], when=doc.data["when"].strip(), source=str(path),
            kind=doc.data.get("kind", ""), steps=tuple(s for _, s in steps),
            cadence=tuple(cadence), templates=tuple(t.id for _, t in templates))
    return lib
