"""The system's OpenSSH client against the simulator's SSH server, through our own pieces.

Real processes only: `autodl-tui sim --ssh` in a child process, /usr/bin/ssh with the
password handed over by autodl-tui-askpass, HTTP through a real `ssh -N -L` forward.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import httpx
import pytest
from sim_process import free_port
from sshsim import SimSSH

from autodl_tui.shell.client import SshClient, shell_argv
from autodl_tui.shell.password import PasswordPipe, askpass_program
from autodl_tui.shell.session import child_env
from autodl_tui.shell.target import SshTarget, parse_ssh_command
from autodl_tui.shell.tunnels import Tunnel, TunnelError, TunnelManager


def _exec(
    client: SshClient, target: SshTarget, password: str, options: list[str], command: str
) -> subprocess.CompletedProcess[str]:
    """ssh TARGET COMMAND with the password from the FIFO; its output."""
    program = askpass_program()
    assert program is not None
    with PasswordPipe(password, program=program, interactive=False) as pipe:
        return subprocess.run(
            [*shell_argv(client, target, options), command],
            env=child_env(pipe.env()),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _tunnel(
    client: SshClient,
    target: SshTarget,
    password: str,
    options: list[str],
    *,
    manager: TunnelManager | None = None,
    remote_port: int = 6006,
) -> Tunnel:
    """Open a tunnel to `remote_port` (on a fresh manager unless one is given)."""
    return (manager or TunnelManager()).open(
        client, target, password, options, container_uuid="c", label="c", remote_port=remote_port
    )


def test_the_ssh_command_points_at_the_sim_and_a_login_runs_commands(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    target = parse_ssh_command(c.ssh_command)
    assert (target.host, target.port, target.user) == ("127.0.0.1", sim_ssh.ssh_port, "root")
    done = _exec(
        ssh_client,
        target,
        c.password,
        ssh_options,
        "echo $AutoDLContainerUUID $AutoDLDeploymentUUID $AutoDLDataCenter; hostname; nvidia-smi",
    )
    assert done.returncode == 0, done.stderr
    first, host, *smi = done.stdout.splitlines()
    uuid, deployment, region = first.split()
    assert (uuid, deployment) == (c.uuid, c.deployment_uuid)
    assert region.startswith(("west", "beijing", "neimeng", "foshan", "chongqing", "yangzhou"))
    assert host == "autodl-container-" + c.uuid.rsplit("-", 1)[1]
    assert any("MiB" in line for line in smi)


def test_the_exit_status_comes_back(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    done = _exec(ssh_client, parse_ssh_command(c.ssh_command), c.password, ssh_options, "exit 7")
    assert done.returncode == 7


def test_a_tunnel_serves_the_containers_6006_page_until_closed(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    manager = TunnelManager()
    tunnel = _tunnel(
        ssh_client, parse_ssh_command(c.ssh_command), c.password, ssh_options, manager=manager
    )
    try:
        page = httpx.get(tunnel.url, timeout=10)
        assert page.status_code == 200
        assert f"AutoDLContainerUUID={c.uuid}" in page.text
        assert manager.check() == []
    finally:
        assert manager.close_all() == 1
    with pytest.raises(httpx.TransportError):
        httpx.get(tunnel.url, timeout=5)


def test_a_tunnel_that_dies_says_so(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    manager = TunnelManager()
    tunnel = _tunnel(
        ssh_client, parse_ssh_command(c.ssh_command), c.password, ssh_options, manager=manager
    )
    tunnel.proc.kill()
    tunnel.proc.wait(10)
    died = manager.check()
    assert died == [tunnel] and tunnel.state == "dead" and tunnel.reason
    assert manager.check() == []  # reported once
    manager.close_all()


def test_the_server_is_no_proxy(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    """A forward to anything but the container's 6006/6008 (here: the sim's API) is refused."""
    c = sim_ssh.running_container()
    api_port = int(sim_ssh.url.rsplit(":", 1)[1])
    manager = TunnelManager()
    tunnel = _tunnel(
        ssh_client,
        parse_ssh_command(c.ssh_command),
        c.password,
        ssh_options,
        manager=manager,
        remote_port=api_port,
    )
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(tunnel.url + "api/v1/dev/deployment/list", timeout=10)
    finally:
        manager.close_all()


def test_a_wrong_password_is_a_clear_message(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    with pytest.raises(TunnelError, match="root password was refused"):
        _tunnel(ssh_client, parse_ssh_command(c.ssh_command), c.password + "x", ssh_options)


def test_a_dead_server_is_a_clear_message(ssh_client: SshClient, ssh_options: list[str]) -> None:
    target = SshTarget("127.0.0.1", free_port(), "root")
    with pytest.raises(TunnelError, match="refused the connection"):
        _tunnel(ssh_client, target, "whatever", ssh_options)


def test_a_changed_host_key_is_a_clear_message(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str], tmp_path: Path
) -> None:
    c = sim_ssh.running_container()
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    (tmp_path / "known_hosts").write_text(f"[127.0.0.1]:{sim_ssh.ssh_port} {other}\n")
    with pytest.raises(TunnelError, match="host key of 127.0.0.1 .* changed"):
        _tunnel(ssh_client, parse_ssh_command(c.ssh_command), c.password, ssh_options)


def test_an_unknown_host_key_in_the_background_is_not_accepted_blindly(
    sim_ssh: SimSSH, ssh_client: SshClient, tmp_path: Path
) -> None:
    """Without accept-new, a tunnel (no terminal to ask on) refuses an unknown host."""
    c = sim_ssh.running_container()
    options = [
        "-F",
        "/dev/null",
        "-o",
        f"UserKnownHostsFile={tmp_path / 'empty_known_hosts'}",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "PubkeyAuthentication=no",
    ]
    with pytest.raises(TunnelError, match="could not be verified"):
        _tunnel(ssh_client, parse_ssh_command(c.ssh_command), c.password, options)


_OPENER = """
import sys, time
from autodl_tui.shell.client import find_ssh
from autodl_tui.shell.target import parse_ssh_command
from autodl_tui.shell.tunnels import TunnelManager
command, password, *options = sys.argv[1:]
tunnel = TunnelManager().open(
    find_ssh(), parse_ssh_command(command), password, options,
    container_uuid="c", label="c", remote_port=6006,
)
print(tunnel.proc.pid, flush=True)
time.sleep(120)
"""


def test_a_tunnel_ends_with_the_app_even_when_it_is_killed(
    sim_ssh: SimSSH, ssh_client: SshClient, ssh_options: list[str]
) -> None:
    c = sim_ssh.running_container()
    app = subprocess.Popen(
        [sys.executable, "-c", _OPENER, c.ssh_command, c.password, *ssh_options],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        ssh_pid = int(app.stdout.readline())
        os.kill(ssh_pid, 0)  # running
    finally:
        app.kill()
        app.wait(10)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{ssh_pid}").exists() and _state(ssh_pid) != "Z":
        assert time.monotonic() < deadline, "the tunnel's ssh outlived the killed app"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


def test_sim_says_so_when_the_ssh_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "autodl_tui", "sim", "--port", str(free_port())]
            + ["--ssh", "--ssh-port", str(busy)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert "--ssh: cannot listen" in done.stderr
