"""The sandbox's own endpoints under /_sandbox, for tests and for a person with curl.

GET    /_sandbox                     what is served where
GET    /_sandbox/posts[?account=&live=1]   every post (with its deleted flag)
GET    /_sandbox/faults              faults waiting to fire, per account
POST   /_sandbox/faults              {"account", "kind", "times"?, "seconds"?,
                                      "retry_after"?, "on"?} -> 201 the fault
DELETE /_sandbox/faults[?account=]   -> {"cleared": n}
GET    /_sandbox/inbox[?account=]    inbox messages
POST   /_sandbox/inbox               {"account", "text", "author"?, "author_name"?,
                                      "created_at"?, "in_reply_to"?, "kind"?, "id"?}
POST   /_sandbox/reset               forget everything
POST   /_sandbox/expire-sessions[?account=]   Bluesky access tokens answer ExpiredToken
"""

from __future__ import annotations

from typing import Any

from oncall.sandbox import bluesky
from oncall.sandbox.state import PLATFORMS, Fault, State
from oncall.sandbox.wire import Reply, Request, json_reply


def _bad(message: str) -> Reply:
    return json_reply(400, {"error": message})


def _account(data: dict[str, Any]) -> str | Reply:
    account = data.get("account")
    if not isinstance(account, str) or not account:
        return _bad("an 'account' (the site id) is needed")
    return account


def handle(req: Request, state: State) -> Reply:
    path, method = req.path.rstrip("/"), req.method
    account_arg = req.arg("account") or None
    if path == "" and method == "GET":
        return json_reply(200, {"sandbox": req.root,
                                "bases": {p: f"{req.root}/{p}" for p in PLATFORMS},
                                "token": "sandbox-<site id>", "doc": (__doc__ or "").strip()})
    if path == "/posts" and method == "GET":
        return json_reply(200, state.posts(account_arg, live_only=req.arg("live") == "1"))
    if path == "/faults" and method == "GET":
        return json_reply(200, state.faults())
    if path == "/faults" and method == "DELETE":
        return json_reply(200, {"cleared": state.clear_faults(account_arg)})
    if path == "/inbox" and method == "GET":
        return json_reply(200, state.inbox(account_arg))
    if path == "/reset" and method == "POST":
        state.reset()
        return json_reply(200, {"reset": True})
    if path == "/expire-sessions" and method == "POST":
        return json_reply(200, {"expired": bluesky.expire_sessions(state, account_arg)})
    if method == "POST" and path in ("/faults", "/inbox"):
        data = req.json()
        if not isinstance(data, dict):
            return _bad("send a JSON object")
        account = _account(data)
        if isinstance(account, Reply):
            return account
        try:
            if path == "/faults":
                fault = Fault.from_dict(data)
                state.inject(account, fault)
                return json_reply(201, dict(fault.to_dict(), account=account))
            message = {k: v for k, v in data.items() if k != "account"}
            return json_reply(201, dict(state.add_inbox(account, message), account=account))
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    return json_reply(404, {"error": f"no {method} {req.path} here; GET /_sandbox lists "
                                     "what there is"})
