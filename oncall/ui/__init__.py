"""The Textual user interface: the only package that imports Textual or Rich."""

import os

# Up to 120 frames a second, read by Textual when it is first imported (this package is
# imported before it). A result that lands between two frames (the checks' findings, ready
# about 10 ms after the last key) then waits at most 8 ms to be drawn instead of 17:
# measured by `oncall bench`, keystroke to findings p50 45 ms at 60 FPS, under 30 at 120.
# Frames are only drawn when something changed, so an idle console costs nothing more.
os.environ.setdefault("TEXTUAL_FPS", "120")
