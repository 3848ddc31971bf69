"""A local HTTP server that stands in for Facebook, X, Mastodon, Bluesky and YouTube.

It serves each network's real API paths and reply shapes under its own prefix
(http://127.0.0.1:PORT/x/2/tweets, .../mastodon/api/v1/statuses, ...), accepts
the demo token "sandbox-<site id>" for the account <site id>, keeps what was
posted, serves inbox messages, and misbehaves on request (see `Fault`), so the
demo and the tests exercise real HTTP. Standard library only; no UI imports.

    with Sandbox() as sandbox:
        site = replace(site, api_base=sandbox.base_for("x"))
        sandbox.inject(site.id, Fault("timeout", seconds=1.0))
        ...
        assert sandbox.posts(site.id)
"""

from oncall.sandbox.server import Sandbox, run_sandbox
from oncall.sandbox.state import KINDS, PLATFORMS, Fault

__all__ = ["KINDS", "PLATFORMS", "Fault", "Sandbox", "run_sandbox"]
