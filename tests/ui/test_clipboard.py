"""OSC 52 copies, tmux passthrough, and clearing a copied secret."""

from __future__ import annotations

import base64

import pytest
from textual.app import App

from oncall.ui.clipboard import Clipboard, osc52, tmux_passthrough
from tests.ui.conftest import SIZE


def decode(sequence: str) -> str:
    payload = sequence.split(";", 2)[2].rstrip("\a")
    return base64.b64decode(payload).decode()


def test_osc52_and_passthrough_shapes() -> None:
    seq = osc52("hunter2")
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\a") and decode(seq) == "hunter2"
    wrapped = tmux_passthrough(seq)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\x1b\\")


@pytest.mark.parametrize("tmux", [False, True])
async def test_secret_is_copied_then_cleared(monkeypatch: pytest.MonkeyPatch,
                                             tmux: bool) -> None:
    if tmux:
        monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    else:
        monkeypatch.delenv("TMUX", raising=False)
    app: App[None] = App()
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        # The clear timer is driven by the test, not waited for.
        scheduled: list[tuple[float, object]] = []

        class Held:
            def stop(self) -> None:
                pass

        monkeypatch.setattr(app, "set_timer", lambda delay, callback, **_: (
            scheduled.append((delay, callback)), Held())[1])
        clipboard = Clipboard(app, clear_after=1)
        message = clipboard.copy("hunter2", secret=True)
        assert "Clears in 1 s" in message and ("tmux" in message) == tmux
        assert len(written) == 1
        sequence = written[0]
        if tmux:
            assert sequence.startswith("\x1bPtmux;")
            sequence = sequence[len("\x1bPtmux;"):-2].replace("\x1b\x1b", "\x1b")
        assert decode(sequence) == "hunter2"
        assert "hunter2" not in getattr(app, "_clipboard", "")
        [(delay, clear)] = scheduled
        assert delay == 1
        clear()  # type: ignore[operator]
        await pilot.pause()
        assert clipboard.holding_secret is False
        assert len(written) == 2
        last = written[1]
        if tmux:
            last = last[len("\x1bPtmux;"):-2].replace("\x1b\x1b", "\x1b")
        assert decode(last) == ""


@pytest.mark.parametrize(("passthrough", "sent"), [("off", False), ("on", True),
                                                    ("all", True), (None, True)])
async def test_inside_tmux_the_copy_says_honestly_whether_it_can_arrive(
        monkeypatch: pytest.MonkeyPatch, passthrough: str | None, sent: bool) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app: App[None] = App()
    async with app.run_test(size=SIZE):
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        clipboard = Clipboard(app, clear_after=20)
        clipboard.passthrough = passthrough
        message = clipboard.copy("hunter2", secret=True)
        assert bool(written) is sent
        if sent:
            assert message.startswith("Sent to your terminal") and "paste to check" in message
            assert ("could not check" in message) is (passthrough is None)
        else:
            assert message.startswith("NOT copied") and "allow-passthrough on" in message
            assert clipboard.holding_secret is False


def test_tmuxs_own_setting_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    from oncall.ui.clipboard import tmux_passthrough_setting

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    socket = tmp_path / "tmux.sock"
    subprocess.run(["tmux", "-S", str(socket), "new-session", "-d", "-s", "p", "sleep 30"],
                   check=True, timeout=30)
    try:
        monkeypatch.setenv("TMUX", f"{socket},1,0")
        for value in ("off", "on"):
            subprocess.run(["tmux", "-S", str(socket), "set", "-g", "allow-passthrough",
                            value], check=True, timeout=30)
            assert tmux_passthrough_setting() == value
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], timeout=30,
                       capture_output=True)
