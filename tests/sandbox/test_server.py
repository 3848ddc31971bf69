"""The server itself: start and stop cleanly, the /_sandbox control endpoints, the CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from oncall.sandbox import Fault, Sandbox, run_sandbox
from tests.sandbox.conftest import bearer, publish

REPO = Path(__file__).resolve().parents[2]


def test_stop_leaves_no_thread_even_with_open_and_sleeping_connections() -> None:
    before = set(threading.enumerate())
    box = Sandbox().start()
    with httpx.Client(timeout=3.0) as keep_alive, httpx.Client(timeout=0.2) as impatient:
        # One idle keep-alive connection, and one handler asleep in a timeout fault.
        assert keep_alive.get(f"{box.url}/_sandbox").status_code == 200
        box.inject("corp-x", Fault("timeout", seconds=1.0))
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(f"{box.base_for('x')}/2/tweets", json={"text": "zz"},
                           headers=bearer("corp-x"))
        assert any(t.name.startswith("oncall-sandbox") for t in threading.enumerate())
        box.stop()
        left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        assert left == []
        with pytest.raises(httpx.TransportError):
            keep_alive.get(f"{box.url}/_sandbox")
    box.stop()  # a second stop is harmless


def test_context_manager_url_and_bases() -> None:
    box = Sandbox()
    with pytest.raises(RuntimeError):
        _ = box.url
    with box as running:
        assert running is box
        assert box.url.startswith("http://127.0.0.1:")
        assert box.base_for("mastodon") == f"{box.url}/mastodon"
        with pytest.raises(ValueError):
            box.base_for("myspace")
        with pytest.raises(RuntimeError):
            box.start()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{box.url}/_sandbox", timeout=1.0)


def test_a_taken_port_is_an_error() -> None:
    with Sandbox() as box:
        port = int(box.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            Sandbox(port).start()
        assert run_sandbox(port) == 2


def test_control_endpoints(sandbox: Sandbox, client: httpx.Client) -> None:
    control = f"{sandbox.url}/_sandbox"
    index = client.get(control).json()
    assert index["bases"]["x"] == sandbox.base_for("x")

    r = client.post(f"{control}/faults", json={"account": "corp-x", "kind": "rate_limit",
                                               "times": 2, "retry_after": 5})
    assert r.status_code == 201 and r.json()["kind"] == "rate_limit"
    assert client.get(f"{control}/faults").json()["corp-x"][0]["times"] == 2
    assert publish(client, sandbox, "x", "one").status_code == 429
    assert client.delete(f"{control}/faults").json() == {"cleared": 1}
    assert publish(client, sandbox, "x", "one").status_code == 201

    for bad in ({"kind": "drop"}, {"account": "a", "kind": "nope"},
                {"account": "a", "kind": "drop", "times": 0}, ["not", "an", "object"]):
        r = client.post(f"{control}/faults", json=bad)
        assert r.status_code == 400 and r.json()["error"]

    publish(client, sandbox, "mastodon", "two")
    everything = client.get(f"{control}/posts").json()
    assert [(p["platform"], p["text"]) for p in everything] == [("x", "one"),
                                                               ("mastodon", "two")]
    tweet = everything[0]["id"]
    client.delete(f"{sandbox.base_for('x')}/2/tweets/{tweet}", headers=bearer("corp-x"))
    assert [p["deleted"] for p in client.get(f"{control}/posts",
                                             params={"account": "corp-x"}).json()] == [True]
    assert client.get(f"{control}/posts", params={"account": "corp-x", "live": "1"}).json() \
        == []

    r = client.post(f"{control}/inbox", json={"account": "corp-x", "text": "hello",
                                              "author": "ann"})
    assert r.status_code == 201 and r.json()["id"]
    assert [m["text"] for m in client.get(f"{control}/inbox").json()] == ["hello"]
    assert client.post(f"{control}/inbox", json={"account": "corp-x"}).status_code == 400

    assert client.post(f"{control}/reset").json() == {"reset": True}
    assert sandbox.posts() == [] and sandbox.inbox() == []
    assert client.get(f"{control}/nothing").status_code == 404
    assert client.get(f"{sandbox.url}/myspace/api").status_code == 404


def test_chunked_request_bodies_are_read(sandbox: Sandbox, client: httpx.Client) -> None:
    def body():  # an iterator makes httpx send Transfer-Encoding: chunked
        yield b'{"text": '
        yield b'"in pieces"}'

    r = client.post(f"{sandbox.base_for('x')}/2/tweets", content=body(),
                    headers=bearer("corp-x") | {"Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["data"]["text"] == "in pieces"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_oncall_sandbox_command_serves_until_interrupted() -> None:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # Ctrl+C as at a terminal: a run started in the background by a script without job
    # control inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    proc = subprocess.Popen([sys.executable, "-m", "oncall", "sandbox", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline()]
        while "control:" not in banner[-1] and banner[-1]:
            banner.append(proc.stdout.readline())
        assert f"http://127.0.0.1:{port}" in banner[0]
        assert f"mastodon  api_base = http://127.0.0.1:{port}/mastodon" in "".join(banner)
        r = httpx.post(f"http://127.0.0.1:{port}/x/2/tweets", json={"text": "cli"},
                       headers=bearer("corp-x"), timeout=3.0)
        assert r.status_code == 201
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in out + err
    assert "POST /x/2/tweets -> 201" in err
