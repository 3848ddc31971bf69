"""Update slots found by arithmetic agree with dateutil's walk from the opening, and the
missed-update rule looking only past the last post agrees with the rule over every slot
(issue 12: the next slot computed directly, cost flat with an incident's age)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.cadence import Cadence, UpdateSlots, load_rruleset
from oncall.model import Incident
from oncall.updates import GRACE, update_state

OPENED = datetime(2026, 10, 24, 22, 47, tzinfo=UTC)  # the night before the clocks go back

everies = st.sampled_from(["5m", "15m", "30m", "45m", "1h", "90m", "2h", "1d"])
lengths = st.sampled_from(["30m", "1h", "2h", "4h", "6h", "1d"])


@st.composite
def cadences(draw: st.DrawFn) -> Cadence:
    phases: list[tuple[str, str | None]] = [(draw(everies), draw(lengths))
                                            for _ in range(draw(st.integers(0, 2)))]
    phases.append((draw(everies), draw(st.none() | lengths)))
    return Cadence(phases)


offsets = st.integers(min_value=-120, max_value=60 * 24 * 40).map(
    lambda m: OPENED + timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(cadences(), offsets, st.booleans())
def test_after_and_before_match_dateutil(cadence: Cadence, t: datetime, inc: bool) -> None:
    texts = cadence.to_rrule_strings(OPENED)
    walked = load_rruleset(texts)
    slots = UpdateSlots(texts)
    assert slots.after(t, inc=inc) == walked.after(t, inc=inc)
    assert slots.before(t, inc=inc) == walked.before(t, inc=inc)


@settings(max_examples=200, deadline=None)
@given(cadences(), offsets, st.integers(0, 60 * 48))
def test_between_matches_dateutil(cadence: Cadence, start: datetime, span: int) -> None:
    texts = cadence.to_rrule_strings(OPENED)
    end = start + timedelta(minutes=span)
    assert UpdateSlots(texts).between(start, end) == \
        load_rruleset(texts).between(start, end, inc=True)


def test_rule_text_of_another_shape_is_still_read() -> None:
    """A rule not as `to_rrule_strings` writes it (a BYHOUR rule) goes to dateutil."""
    text = "DTSTART:20261024T000000Z\nRRULE:FREQ=DAILY;BYHOUR=9,17"
    slots = UpdateSlots([text])
    assert slots.after(datetime(2026, 10, 25, 10, tzinfo=UTC)) == \
        datetime(2026, 10, 25, 17, tzinfo=UTC)
    assert slots.before(datetime(2026, 10, 25, 10, tzinfo=UTC)) == \
        datetime(2026, 10, 25, 9, tzinfo=UTC)


def every_slot_missed(incident: Incident, posted: list[datetime],
                      now: datetime) -> tuple[datetime, ...]:
    """The rule as the procedure states it, over every slot since the opening: a slot is
    missed when no post falls after the slot before it and within its grace; it stays
    shown until a later post answers it."""
    rules = load_rruleset(incident.cadence)
    slots = [s for s in rules.between(incident.opened_at, now - GRACE, inc=True)
             if s > incident.opened_at]
    missed, previous = [], incident.opened_at
    for slot in slots:
        if not any(previous < t <= slot + GRACE for t in posted):
            missed.append(slot)
        previous = slot
    last = max(posted, default=None)
    return tuple(m for m in missed if last is None or last <= m)


# Minutes after the opening; half of them on the five-minute grid every slot (and every
# slot's end of grace) falls on, where an off-by-one would show.
post_minutes = st.integers(0, 60 * 24 * 3) | st.integers(0, 12 * 24 * 3).map(lambda k: 5 * k)


@settings(max_examples=400, deadline=None)
@given(cadences(), st.lists(post_minutes, max_size=12), st.integers(0, 60 * 24 * 4))
def test_missed_slots_match_the_rule_over_every_slot(cadence: Cadence, posts: list[int],
                                                     age: int) -> None:
    incident = Incident(id="INC-1", title="t", kind="missing", opened_at=OPENED,
                        opened_by="a", cadence=cadence.to_rrule_strings(OPENED))
    now = OPENED + timedelta(minutes=age)
    posted = [OPENED + timedelta(minutes=m) for m in posts if m <= age]
    state = update_state(incident, posted, now, timedelta(minutes=5))
    assert state.missed == every_slot_missed(incident, posted, now)
    assert state.next_due == load_rruleset(incident.cadence).after(now, inc=True)
