"""Helpers of the shell tests: the simulator with --ssh, its running containers, ssh options.

A test that needs ssh skips with the reason when it is missing (`make test` installs it
where it can). Every ssh here uses a private known_hosts file in a temporary directory and
`-F /dev/null`, so nothing reads or writes ~/.ssh.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sim_process import free_port, running_sim

from autodl_tui.shell.client import SshClient, SshProblem, find_ssh

__all__ = ["RunningContainer", "SimSSH", "sim_ssh", "ssh_client", "ssh_options"]


@dataclass(frozen=True)
class RunningContainer:
    """A running container of the simulator, as the API lists it."""

    uuid: str
    deployment_uuid: str
    deployment_name: str
    ssh_command: str
    password: str


@dataclass(frozen=True)
class SimSSH:
    """`autodl-tui sim --ssh` on loopback: its API URL and SSH port."""

    url: str
    ssh_port: int
    proc: object

    def running_container(self) -> RunningContainer:
        """The first running container with credentials (the demo fleet has several)."""
        headers = {"Authorization": "test-token"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=10) as http:
            deployments = http.post(
                "/api/v1/dev/deployment/list", json={"page_index": 1, "page_size": 100}
            ).json()["data"]["list"]
            for d in deployments:
                containers = http.post(
                    "/api/v1/dev/deployment/container/list",
                    json={"deployment_uuid": d["uuid"], "page_index": 1, "page_size": 100},
                ).json()["data"]["list"]
                for c in containers:
                    if c["status"] == "running" and c["info"].get("root_password"):
                        return RunningContainer(
                            c["uuid"],
                            d["uuid"],
                            d["name"],
                            c["info"]["ssh_command"],
                            c["info"]["root_password"],
                        )
        raise AssertionError("the demo fleet has no running container")


@pytest.fixture(scope="session")
def ssh_client() -> SshClient:
    """The system's OpenSSH client (>= 8.4), or the test is skipped saying why."""
    try:
        return find_ssh()
    except SshProblem as exc:
        pytest.skip(f"needs the system's OpenSSH client: {exc}")


@pytest.fixture(scope="module")
def sim_ssh() -> Iterator[SimSSH]:
    """`autodl-tui sim --fleet demo --ssh` in a child process, one per test module."""
    port = free_port()
    with running_sim("--fleet", "demo", "--ssh", "--ssh-port", str(port)) as (proc, url):
        # The HTTP port opens first; the SSH server (and the ssh_command rewrite) right after.
        deadline = time.monotonic() + 30
        while not _listening(port):
            assert time.monotonic() < deadline, "the simulator's SSH server never listened"
            time.sleep(0.05)
        yield SimSSH(url, port, proc)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def ssh_options(tmp_path: Path) -> list[str]:
    """Hermetic ssh options: no config file, a private known_hosts, passwords only."""
    return [
        "-F",
        "/dev/null",
        "-o",
        f"UserKnownHostsFile={tmp_path / 'known_hosts'}",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "ConnectTimeout=10",
    ]
