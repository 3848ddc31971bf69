"""oncall: a keyboard-driven terminal console for on-call police press officers.

The package root imports nothing so that `oncall --help` and the scriptable
subcommands start fast; each subsystem is imported where it is used.
"""

__version__ = "0.1.0"
