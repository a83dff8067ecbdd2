"""autodl-tui: a keyboard-driven terminal app for AutoDL elastic deployments."""

__version__ = "0.1.0"
