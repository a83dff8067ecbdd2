"""The real app in a pty against `autodl-tui sim --ssh`, with the system's OpenSSH client.

`s` hands the terminal to ssh and takes it back with the selection kept; `t` opens a
tunnel that serves the container's 6006 page and is listed, copyable and closed on quit; a
dead server is a clear message and the app carries on. The root password is never in any
process's argv or environment, on the screen, in the clipboard or in the log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sim_process import free_port, running_sim
from sshsim import RunningContainer, SimSSH
from terminal import Terminal

from autodl_tui.shell.client import SshClient

TOKEN = "shell-test-token"
_URL = re.compile(r"http://127\.0\.0\.1:[0-9]+/")


def _start(
    terminal: Callable[..., Terminal], url: str, options: list[str], tmp_path: Path
) -> Terminal:
    config = tmp_path / "config.toml"
    quoted = ", ".join(f'"{o}"' for o in options)
    config.write_text(f"ssh_options = [{quoted}]\n")
    config.chmod(0o600)
    term = terminal(
        "--base-url",
        url,
        cols=120,
        rows=35,
        env={"AUTODL_TUI_CONFIG": str(config), "AUTODL_TOKEN": TOKEN},
    )
    term.wait_first_paint("1 Deployments")
    return term


def _select(term: Terminal, c: RunningContainer) -> str:
    """Put the cursors on `c`'s deployment and on `c` (filters); its short id."""
    short = "-".join(c.uuid.rsplit("-", 2)[-2:])
    term.wait_for(c.deployment_name)
    term.press("1", "/")
    term.type(c.deployment_uuid)
    term.press("enter")
    # One step at a time: the filter applies to the pane focused when its text arrives.
    term.wait_for("1 of ")
    term.wait_for(f"2 Containers: {c.deployment_name}")
    term.press("2")
    term.wait(lambda: "s Shell" in term.lines()[-1], "the containers pane's keys")
    term.press("/")
    term.type(short)
    term.press("enter")
    term.wait(lambda: term.text().count(" of ") >= 2, "the containers filtered")
    term.wait(lambda: "s Shell" in term.lines()[-1], "the containers pane's keys")
    return short


def _processes_holding(secret: str) -> list[str]:
    """Every process whose argv or environment holds `secret` (pid: what)."""
    found = []
    needle = secret.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for part in ("cmdline", "environ"):
            try:
                data = Path(f"/proc/{pid}/{part}").read_bytes()
            except OSError:
                continue
            if needle in data:
                found.append(f"{pid}: {part}")
    return found


def _no_leak(term: Terminal, password: str) -> None:
    assert password.encode() not in term.raw, "the password reached the terminal"
    assert not any(password in copied for copied in term.clipboard()), "clipboard"
    for log in (term.home / "state").rglob("*.log*"):
        assert password not in log.read_text(errors="replace"), f"the password is in {log}"


def test_s_opens_a_shell_in_the_container_and_exit_comes_back(
    terminal: Callable[..., Terminal],
    sim_ssh: SimSSH,
    ssh_client: SshClient,
    ssh_options: list[str],
    tmp_path: Path,
) -> None:
    c = sim_ssh.running_container()
    term = _start(terminal, sim_ssh.url, ssh_options, tmp_path)
    short = _select(term, c)
    term.press("s")
    term.wait_for("root@autodl-container-")
    assert _processes_holding(c.password) == []
    term.type("echo uuid=$AutoDLContainerUUID\r")
    term.wait_for(f"uuid={c.uuid}")
    term.type("exit\r")
    term.wait_for("closed (exit 0)")
    # Back where it was: the same deployment, the filtered containers, the same container.
    term.wait_for("1 Deployments")
    assert short in term.text() and "1 of " in term.text()
    term.press("enter")
    term.wait_for(c.uuid)
    term.press("escape")
    term.wait_gone(c.uuid)
    _no_leak(term, c.password)
    term.press("q")
    assert term.wait_exit() == 0


def test_t_opens_a_tunnel_listed_copyable_and_closed_on_quit(
    terminal: Callable[..., Terminal],
    sim_ssh: SimSSH,
    ssh_client: SshClient,
    ssh_options: list[str],
    tmp_path: Path,
) -> None:
    c = sim_ssh.running_container()
    term = _start(terminal, sim_ssh.url, ssh_options, tmp_path)
    short = _select(term, c)
    term.press("t")
    term.wait_for(f"Tunnel to {short}")
    term.press("enter")
    term.wait_for("Tunnel open")
    match = _URL.search(term.text())
    assert match, term
    url = match.group(0)
    page = httpx.get(url, timeout=10)
    assert f"AutoDLContainerUUID={c.uuid}" in page.text
    term.press("T")
    term.wait_for("Tunnels (ssh")
    assert f"{short}:6006" in term.text() and "up" in term.text()
    term.press("c")
    term.wait(lambda: url in term.clipboard(), "the URL in the clipboard")
    term.press("escape")
    term.wait_gone("Tunnels (ssh")
    assert _processes_holding(c.password) == []
    _no_leak(term, c.password)
    term.press("q")
    assert term.wait_exit() == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=5)


def test_a_dead_server_is_a_clear_message_and_the_app_carries_on(
    terminal: Callable[..., Terminal],
    ssh_client: SshClient,
    ssh_options: list[str],
    tmp_path: Path,
) -> None:
    port = free_port()
    with running_sim("--fleet", "demo", "--ssh", "--ssh-port", str(port)) as (proc, url):
        sim = SimSSH(url, port, proc)
        term = _start(terminal, url, ssh_options, tmp_path)
        _select(term, sim.running_container())
        proc.terminate()
        proc.wait(10)
    term.press("s")
    term.wait_for("refused the connection", timeout=90)
    assert term.alive()
    term.press("q")
    assert term.wait_exit() == 0


def test_the_demo_runs_the_ssh_server_too(
    terminal: Callable[..., Terminal], ssh_client: SshClient, ssh_options: list[str], tmp_path: Path
) -> None:
    """`--demo`: the simulator is in-process, its SSH server on a thread of its own (the
    app's event loop is blocked while ssh has the terminal)."""
    config = tmp_path / "config.toml"
    config.write_text("ssh_options = [" + ", ".join(f'"{o}"' for o in ssh_options) + "]\n")
    config.chmod(0o600)
    term = terminal("--demo", cols=120, rows=35, env={"AUTODL_TUI_CONFIG": str(config)})
    term.wait_first_paint("llm-serve")
    term.press("1", "/")
    term.type("llm-serve")
    term.press("enter")
    term.wait_for("2 Containers: llm-serve")
    term.press("2")
    term.wait(lambda: "s Shell" in term.lines()[-1], "the containers pane's keys")
    term.press("/")
    term.type("running")  # the filter jumps to the first running container
    term.press("enter")
    term.wait(lambda: term.text().count(" of ") >= 2, "the containers filtered")
    term.press("s")
    term.wait_for("root@autodl-container-")
    term.type("echo region=$AutoDLDataCenter\r")
    term.wait(lambda: re.search(r"region=[a-z]+DC[0-9]", term.text()) is not None, "the region")
    term.type("exit\r")
    term.wait_for("closed (exit 0)")
    term.press("q")
    assert term.wait_exit() == 0


def test_an_unknown_host_key_is_asked_on_the_terminal(
    terminal: Callable[..., Terminal],
    sim_ssh: SimSSH,
    ssh_client: SshClient,
    tmp_path: Path,
) -> None:
    """Only the password is answered for the user; a new host key is theirs to accept."""
    known = tmp_path / "fresh_known_hosts"
    options = ["-F", "/dev/null", "-o", f"UserKnownHostsFile={known}"]
    options += ["-o", "GlobalKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no"]
    c = sim_ssh.running_container()
    term = _start(terminal, sim_ssh.url, options, tmp_path)
    _select(term, c)
    term.press("s")
    term.wait_for("continue connecting")
    term.type("yes\r")
    term.wait_for("root@autodl-container-")
    term.type("exit\r")
    term.wait_for("closed (exit 0)")
    assert f"[127.0.0.1]:{sim_ssh.ssh_port}" in known.read_text()
    _no_leak(term, c.password)
