"""Who may reach which site's credentials, and why (the procedure's access paragraphs).

Corporate and council sites: Web Communications, the local communication managers
and every press officer on call now hold first-line access; an off-call press
officer and Corporate Communications may reach them only as break-glass (a reason
is asked for and logged). Local sites: the owning officer first; if the owner is
absent, the site's local communications officer; if both are absent, Web
Communications. On a local site everyone but the owner gives a reason, even when
it is their turn. Professional Standards monitor read-only and never get a
credential. Pure functions: no I/O, no UI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from oncall.model import Person, Role, Site, Tier
from oncall.staff import Absence, Directory
from oncall.timeutil import local


@dataclass(frozen=True)
class AccessDecision:
    """Whether one person may reach one site's credential now, and on what footing."""

    allowed: bool            # may reach the credential at all
    first_line: bool         # within the person's first-line right
    needs_reason: bool       # break-glass (or a local site not their own): reason logged
    rule: str                # short id, e.g. "local.web_comms_fallback"
    explanation: str         # plain sentences for the officer
    holders: tuple[str, ...]  # logins who hold first-line access now


def _join(items: list[str], joiner: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {joiner} {items[-1]}"


def _names(logins: Iterable[str], directory: Directory, joiner: str = "and") -> str:
    """People's names from their logins (the login itself if not in the directory)."""
    return _join([directory.people[x].name if x in directory.people else x for x in logins],
                 joiner)


def _until(absence: Absence, now: datetime) -> str:
    """'until 6 Dec' (the last day away, Europe/London), or 'until 17:00 GMT on 6 Dec'."""
    end = absence.end.astimezone(UTC)
    here = local(absence.end)
    if end.time() == time.max:  # entered as a whole date: people.toml ends it 23:59:59.999999Z
        last, clock = end.date(), ""
    elif here.time() == time.min:  # back at local midnight: the day before was the last
        last, clock = here.date() - timedelta(days=1), ""
    else:
        last, clock = here.date(), f"{here:%H:%M} {here.tzname()} on "
    year = f" {last.year}" if last.year != local(now).year else ""
    return f"until {clock}{last.day} {last:%b}{year}"


def _away(absence: Absence, now: datetime) -> str:
    """'is on annual leave until 6 Dec', 'is away (training) until 6 Dec'."""
    reason = absence.reason.strip()
    if reason.lower().endswith("leave"):
        return f"is on {reason} {_until(absence, now)}"
    return f"is away{f' ({reason})' if reason else ''} {_until(absence, now)}"


def _on_call_press_officers(directory: Directory, now: datetime) -> list[str]:
    """Press officers on the rota now (the rota alone, without the role, is not enough)."""
    return [p.login for p in directory.on_call(now) if p.has(Role.PRESS_OFFICER)]


def _with_role(directory: Directory, role: Role) -> list[str]:
    """Everyone holding `role`, in directory order, absent or not."""
    return [p.login for p in directory.people.values() if p.has(role)]


def _missing(login: str, what: str, directory: Directory, now: datetime) -> str | None:
    """None if `login` is there now, else a clause saying why not ('is on sick leave ...')."""
    if not login:
        return f"no {what} is recorded for this page"
    if login not in directory.people:
        return f"the {what} recorded for this page ({login}) is not in the staff directory"
    absence = directory.absent(login, now)
    return None if absence is None else _away(absence, now)


def _corporate_holders(directory: Directory, now: datetime) -> tuple[tuple[str, ...], str]:
    web = _with_role(directory, Role.WEB_COMMS)
    managers = _with_role(directory, Role.LOCAL_COMMS)
    on_call = _on_call_press_officers(directory, now)
    parts = []
    if web:
        parts.append(f"Web Communications ({_names(web, directory)})")
    if managers:
        parts.append(f"the local communication managers ({_names(managers, directory)})")
    if on_call:
        officers = "officers" if len(on_call) > 1 else "officer"
        parts.append(f"the on-call press {officers} ({_names(on_call, directory)})")
    text = (f"On corporate and council sites {_join(parts)} hold first-line access"
            if parts else "On corporate and council sites nobody holds first-line access now")
    text += "." if on_call else "; no press officer is on call now."
    return tuple(dict.fromkeys(web + managers + on_call)), text


def _local_holders(site: Site, directory: Directory,
                   now: datetime) -> tuple[tuple[str, ...], str]:
    people = directory.people
    gone = _missing(site.owner, "owning officer", directory, now)
    if gone is None:
        name = people[site.owner].name
        return (site.owner,), f"{name} owns this page and holds first-line access."
    owner = f"{people[site.owner].name} owns this page but {gone}" if site.owner in people else gone
    owner = owner[:1].upper() + owner[1:]
    lc_gone = _missing(site.local_comms, "local communications officer", directory, now)
    if site.local_comms in people:
        comms = f"{people[site.local_comms].name}, the local communications officer"
        if lc_gone is None:
            return (site.local_comms,), f"{owner}, so {comms}, holds first-line access."
        lc_gone = f"{comms}, {lc_gone}"
    web = _with_role(directory, Role.WEB_COMMS)
    if not web:
        return (), (f"{owner}; {lc_gone}; so Web Communications hold first-line access, but "
                    "nobody in the staff directory has that role.")
    return tuple(web), (f"{owner}; {lc_gone}; so Web Communications "
                        f"({_names(web, directory)}) hold first-line access.")


def first_line_holders(site: Site, directory: Directory,
                       now: datetime) -> tuple[tuple[str, ...], str]:
    """The logins holding first-line access to `site` now, and a sentence saying why."""
    if site.tier in (Tier.CORPORATE, Tier.COUNCIL):
        return _corporate_holders(directory, now)
    if site.tier == Tier.LOCAL:
        return _local_holders(site, directory, now)
    return (), (f"This site's tier {site.tier!r} is not one the procedure knows; ask Web "
                "Communications to correct the site registry.")


_REASON = "give a reason, and it will be logged."
_NOT_OWNER = f"as you are not the owner, {_REASON}"
# (rule, first_line, needs_reason, sentence for the officer)
_Match = tuple[str, bool, bool, str]


def _corporate_match(person: Person, directory: Directory, now: datetime) -> _Match | None:
    """The person's best right on a corporate or council site, if any."""
    if person.has(Role.WEB_COMMS):
        return "corporate.web_comms", True, False, "You hold it as Web Communications."
    if person.has(Role.LOCAL_COMMS):
        return ("corporate.local_comms", True, False,
                "You hold it as a local communication manager.")
    if person.has(Role.PRESS_OFFICER) and directory.is_on_call(person.login, now):
        return "corporate.on_call", True, False, "You hold it as the on-call press officer."
    if person.has(Role.PRESS_OFFICER):
        return ("corporate.press_officer_break_glass", False, True,
                f"You are not on call now, so this is break-glass: {_REASON}")
    if person.has(Role.CORPORATE_COMMS):
        return ("corporate.corporate_comms_break_glass", False, True,
                f"Corporate Communications may reach it only as break-glass: {_REASON}")
    return None


def _local_match(person: Person, site: Site, holders: tuple[str, ...], directory: Directory,
                 now: datetime) -> _Match | None:
    """The person's best right on a local site, if any; all but the owner give a reason."""
    turn = person.login in holders
    if person.login == site.owner:
        return "local.owner", True, False, "You own this page, so no reason is needed."
    if person.login == site.local_comms and turn:
        return ("local.local_comms", True, True,
                f"You are its local communications officer; {_NOT_OWNER}")
    if person.has(Role.WEB_COMMS) and turn:
        return ("local.web_comms_fallback", True, True,
                f"It is Web Communications' turn; {_NOT_OWNER}")
    if person.login == site.local_comms:
        return ("local.local_comms_break_glass", False, True,
                f"Its local communications officer may reach it only as break-glass: {_REASON}")
    if person.has(Role.WEB_COMMS):
        return ("local.web_comms_break_glass", False, True,
                f"Web Communications may reach it only as break-glass: {_REASON}")
    if person.has(Role.PRESS_OFFICER) and directory.is_on_call(person.login, now):
        return ("local.on_call_break_glass", False, True,
                f"The on-call press officer may reach it as break-glass: {_REASON}")
    return None


def decide(person: Person, site: Site, directory: Directory, now: datetime) -> AccessDecision:
    """May `person` reach `site`'s credential now? The best of their rights decides.

    Professional Standards alone never gets a credential; someone who also holds
    another role is decided by that role. A person's own absence changes nothing
    (they may be working from home). A login not in `directory` is refused.
    """
    holders, why = first_line_holders(site, directory, now)

    def refuse(rule: str, sentence: str) -> AccessDecision:
        ask = f"Ask {_names(holders, directory, 'or')}." if holders else "Ask Web Communications."
        return AccessDecision(False, False, False, rule, f"{why} {sentence} {ask}", holders)

    if person.login not in directory.people:
        return refuse("refused.unknown_person",
                      f"{person.login} is not in the staff directory, so no access is given.")
    if site.tier in (Tier.CORPORATE, Tier.COUNCIL):
        match = _corporate_match(person, directory, now)
    elif site.tier == Tier.LOCAL:
        match = _local_match(person, site, holders, directory, now)
    else:
        return AccessDecision(False, False, False, "refused.unknown_tier", why, holders)
    if match is not None:
        rule, first, reason, sentence = match
        return AccessDecision(True, first, reason, rule, f"{why} {sentence}", holders)
    if person.has(Role.PROFESSIONAL_STANDARDS):
        return refuse("refused.professional_standards",
                      "Professional Standards monitor sites read-only and never receive "
                      "credentials.")
    if not person.roles:
        return refuse("refused.no_role", "You have no role in the staff directory.")
    return refuse("refused.not_entitled",
                  f"Your role ({person.role_label}) gives no access to this site's credentials.")


# --- posting and changing the registry (the procedure's content paragraphs) -----------

@dataclass(frozen=True)
class Right:
    """Whether someone may do one thing to one site, and the sentence saying why."""

    allowed: bool
    rule: str
    explanation: str


# Corporate Communications own the corporate sites and content; press officers and Web
# Communications run them during critical incidents and on call ([rights] in config).
POST_ANYWHERE = ("press_officer", "web_comms", "corporate_comms")
MANAGE_CREDENTIALS = ("web_comms",)


def _local_people(site: Site, sites: Iterable[Site]) -> set[str]:
    """The owners and local communications officers of the pages in `site`'s area: the
    procedure makes neighbourhoods responsible for their local sites' content."""
    area = [s for s in sites if s.area and s.area == site.area and s.tier == Tier.LOCAL]
    return {login for s in [site, *area] for login in (s.owner, s.local_comms) if login}


def may_post(person: Person, site: Site, sites: Iterable[Site] = (),
             anywhere: Iterable[str] = POST_ANYWHERE) -> Right:
    """May `person` publish on (or retract from) `site`? Press officers, Web
    Communications and Corporate Communications anywhere; a local page's owner and
    local communications officer on the local pages of that area; Professional
    Standards never (they monitor, read-only)."""
    for role in anywhere:
        if person.has(role):
            return Right(True, f"post.{role}", f"You may post on every site as "
                         f"{Role(role).label}.")
    if site.tier == Tier.LOCAL and person.login in _local_people(site, sites):
        return Right(True, "post.local", f"You look after {site.area or 'this'} area's "
                     "local pages, so you may post on them.")
    if person.has(Role.PROFESSIONAL_STANDARDS):
        return Right(False, "refused.professional_standards",
                     "Professional Standards monitor the sites read-only and never post.")
    if site.tier == Tier.LOCAL:
        return Right(False, "refused.not_local",
                     f"{site.name} is a local page you do not look after: ask its owner, its "
                     "local communications officer or the press office.")
    return Right(False, "refused.corporate",
                 f"{site.name} is a {site.tier} site: only press officers, Web Communications "
                 "and Corporate Communications post there.")


def may_manage(person: Person, site: Site | None,
               roles: Iterable[str] = MANAGE_CREDENTIALS) -> Right:
    """May `person` change a site's credentials or its registry entry (`site` None: the
    registry as a whole, e.g. an import)? Web Communications hold the usernames and
    passwords; a local page's owner or its local communications officer may change that
    page's own; nobody else, Professional Standards included."""
    for role in roles:
        if person.has(role):
            return Right(True, f"manage.{role}", "Your role holds the sites' credentials and "
                         "registry.")
    if site is not None and site.tier == Tier.LOCAL and person.login in (site.owner,
                                                                        site.local_comms):
        return Right(True, "manage.local", f"You look after {site.name}, so you may change "
                     "its own credentials.")
    what = f"{site.name}'s credentials or registry entry" if site else "the site registry"
    return Right(False, "refused.manage", f"Only Web Communications (or, for a local page, "
                 f"its owner or local communications officer) may change {what}.")
