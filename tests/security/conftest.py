"""Fixtures of the pty harness for every security test."""

from terminal import sim_url, terminal

__all__ = ["sim_url", "terminal"]
