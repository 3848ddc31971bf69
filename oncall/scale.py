"""A year of history, generated: the home `oncall bench --full` measures on.

The demo force's people, sites and settings, then a year of made-up work written
straight into the store and the log in their real formats: hundreds of incidents, their
posts and each post's deliveries, and a signed, hash-chained log of a million entries
(one month file per month, anchored at the end), so that what grows with history can be
measured where it has grown. One incident is the long-running one (500 posts) that the
fan-out and the incident's own screens are timed on.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall.actionlog import GENESIS, seal
from oncall.config import Paths
from oncall.demo import DEMO_KEY_DIR, build_demo
from oncall.model import Delivery, Incident, PostRecord
from oncall.postrecords import DeliveryRepository, PostRepository
from oncall.signing import KeyDir
from oncall.store import IncidentRepository, SiteRepository, Store

OFFICERS = (("sokafor", "Press Officer"), ("dpritchard", "Press Officer"),
            ("mkowalski", "Web Communications"), ("jashworth", "Press Officer"))
ACTIONS = ("post.sent", "delivery.sent", "playbook.step.done", "credential.copied",
           "incident.updated", "draft.saved", "post.checked")
BIG = "INC-BIG"
MARKER = ".oncall-year"


@dataclass(frozen=True)
class YearSize:
    """How much history to make."""

    incidents: int = 500
    posts: int = 100_000
    log_entries: int = 1_000_000
    big_incident_posts: int = 500

    def label(self) -> str:
        return (f"{self.incidents} incidents, {self.posts:,} posts, "
                f"{self.log_entries:,} log entries")


QUICK = YearSize(incidents=20, posts=2_000, log_entries=20_000, big_incident_posts=100)


def build_year(home: Path, size: YearSize = YearSize(), now: datetime | None = None,
               seed: int = 1) -> Path:
    """Write a year of history into `home` (replacing what is there) and return it."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(seed)
    if home.exists():
        shutil.rmtree(home)
    paths = build_demo(home, now, with_incident=False)
    shutil.rmtree(paths.log)  # the demo's own few entries and their anchor
    (home / "witness.log").unlink(missing_ok=True)
    paths.log.mkdir()
    store = Store(paths.data)
    sites = SiteRepository(store).all()
    start = now - timedelta(days=365)
    incidents = _incidents(size, start, rng)
    IncidentRepository(store).put_many(incidents)
    posts, deliveries = PostRepository(store), DeliveryRepository(store)
    per_incident = _spread(size.posts - size.big_incident_posts, size.incidents - 1, rng)
    counts = [size.big_incident_posts, *per_incident]
    for incident, count in zip(incidents, counts, strict=True):
        made = [_post(incident, n, rng, [s.id for s in sites]) for n in range(count)]
        posts.put_many([p for p, _ in made])
        deliveries.put_many([d for _, ds in made for d in ds])
    _log(paths, size.log_entries, start, now, incidents, rng)
    from oncall.anchors import anchor
    from oncall.session import open_session

    session = open_session(home, "sokafor")
    session.log = session.log_at(lambda: now - timedelta(minutes=30))
    anchor(session, now - timedelta(minutes=30))
    pin_keys(home)
    (home / MARKER).write_text(json.dumps({"size": size.label(), "built": now.isoformat()}))
    return home


def pin_keys(home: Path) -> None:
    """Pin the year's officers' keys in its people.toml, as a force's home would (and as
    attested checkpoints need: see oncall.logattest). Officers already pinned are left."""
    from oncall.staff import load_directory

    people = home / "people.toml"
    pinned = load_directory(people).pins()
    keys = KeyDir(home / DEMO_KEY_DIR)
    text = people.read_text(encoding="utf-8")
    for login, _ in OFFICERS:
        if login not in pinned:
            key = keys.signer(login).public
            text = text.replace(f'login = "{login}"\n',
                                f'login = "{login}"\nsigning_keys = ["{key}"]\n', 1)
    people.write_text(text, encoding="utf-8")


def _incidents(size: YearSize, start: datetime, rng: random.Random) -> list[Incident]:
    big_opened = start + timedelta(days=360)
    out = [Incident(id=BIG, title="Long-running search, Brackenford", kind="missing",
                    opened_at=big_opened, opened_by="sokafor",
                    cadence=[f"DTSTART:{big_opened:%Y%m%dT%H%M%SZ}\nRRULE:FREQ=HOURLY"],
                    cadence_label="every hour")]
    for n in range(1, size.incidents):
        opened = start + timedelta(minutes=rng.randrange(365 * 24 * 60 - 24 * 60))
        out.append(Incident(
            id=f"INC-{opened:%Y%m%d}-{n:04d}", title=f"Incident {n}: road closure, area {n % 9}",
            kind=rng.choice(("missing", "rtc", "fire", "event")), opened_at=opened,
            opened_by=rng.choice(OFFICERS)[0], status="closed",
            closed_at=opened + timedelta(hours=rng.randrange(2, 48)), closed_by="sokafor",
            cadence=[f"DTSTART:{opened:%Y%m%dT%H%M%SZ}\nRRULE:FREQ=MINUTELY;INTERVAL=30"],
            cadence_label="every 30 minutes"))
    return out


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.random() + 0.2 for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def _post(incident: Incident, n: int, rng: random.Random,
          site_ids: list[str]) -> tuple[PostRecord, list[Delivery]]:
    at = incident.opened_at + timedelta(minutes=n)
    chosen = rng.sample(site_ids, k=min(len(site_ids), rng.choice((1, 1, 2, 3, 4, 8, 20))))
    body = (f"Update {n} on {incident.title}: officers remain at the scene and the road "
            "stays closed while enquiries continue. https://www.merciavale.police.uk/news")
    post = PostRecord(id=f"{incident.id}-P{n:05d}", incident=incident.id, author="sokafor",
                      created_at=at, body=body, sites=chosen)
    deliveries = [Delivery(id=f"{post.id}-{site}", post=post.id, incident=incident.id,
                           site=site, platform="facebook", text=body,
                           key=f"{post.id}:{site}", state="sent", attempts=1,
                           remote_id=f"r{n}-{site}", url=f"https://example.org/{site}/{n}",
                           updated_at=at, updated_by="sokafor")
                  for site in chosen]
    return post, deliveries


def _log(paths: Paths, count: int, start: datetime, now: datetime,
         incidents: list[Incident], rng: random.Random) -> None:
    """`count` signed, chained entries, spread evenly over the year, one file a month."""
    keys = KeyDir(paths.home / DEMO_KEY_DIR)
    signers = {login: keys.signer(login) for login, _ in OFFICERS}
    step = (now - timedelta(hours=1) - start) / max(count, 1)
    prev, month, out = GENESIS, "", None
    ids = [i.id for i in incidents]
    try:
        for seq in range(1, count + 1):
            at = start + step * seq
            login, role = OFFICERS[seq % len(OFFICERS)]
            signer = signers[login]
            entry = seal({"seq": seq, "at": at.isoformat(timespec="microseconds")
                          .replace("+00:00", "Z"), "actor": login, "role": role,
                          "action": ACTIONS[seq % len(ACTIONS)],
                          "incident": ids[rng.randrange(len(ids))],
                          "subject": f"corp-fb-{seq % 20}", "details": {"n": seq},
                          "prev": prev, "key": signer.public})
            entry["sig"] = signer.sign(entry["hash"].encode("ascii"))
            prev = entry["hash"]
            if f"{at:%Y-%m}" != month:
                if out is not None:
                    out.close()
                month = f"{at:%Y-%m}"
                out = (paths.log / f"{month}.jsonl").open("w", encoding="utf-8")
            assert out is not None
            out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
    finally:
        if out is not None:
            out.close()
    (paths.log / "HEAD").write_text(f"{count} {prev}\n")
