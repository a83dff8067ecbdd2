"""Fixtures of the shell tests (sshsim.py) and the pty harness."""

from sshsim import sim_ssh, ssh_client, ssh_options
from terminal import terminal

__all__ = ["sim_ssh", "ssh_client", "ssh_options", "terminal"]
