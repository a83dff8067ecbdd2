"""The pty harness's fixtures (`sim_url`, `terminal`) for the journey tests, and their steps."""

from terminal import sim_url, terminal

__all__ = ["sim_url", "terminal"]
