"""The console holds the cyclic collector off until its first paint (a tenth of the
start), then turns it on again with start-up's objects set aside; an app run without the
CLI (tests, the bench) leaves the collector as it found it."""

from __future__ import annotations

import gc

from oncall.session import Session
from oncall.ui.app import make_app
from tests.ui.conftest import SIZE


async def test_the_collector_is_back_on_after_the_first_paint(demo_session: Session) -> None:
    frozen = gc.get_freeze_count()
    gc.disable()  # as the CLI does before it imports the console
    try:
        app = make_app(demo_session)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.first_paint_seconds is not None
            assert gc.isenabled()
            assert gc.get_freeze_count() > frozen
    finally:
        gc.enable()
        gc.unfreeze()


async def test_an_app_started_with_the_collector_on_freezes_nothing(
        demo_session: Session) -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.first_paint_seconds is not None
        assert gc.isenabled() and gc.get_freeze_count() == frozen
