"""Every headless subcommand against a real `autodl-tui sim` on a loopback socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Done, FakeStdin, cli
from sim_process import running_sim

from autodl_tui.cmd.common import EXIT_API, EXIT_INVALID, EXIT_REFUSED

ESC = "\x1b"


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_sim("--fleet", "demo") as (_proc, url):
        yield url


@pytest.fixture
def profile_lines() -> str:
    """Lines both profiles of `run` hold besides these (test_flavor_commands sets a flavor)."""
    return ""


@pytest.fixture
def run(sim_url, profile_lines, tmp_path, capsys, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.sim]\n{profile_lines}base_url = "{sim_url}"\ntoken = "sim.token.x"\n'
        f'[profiles.ro]\n{profile_lines}base_url = "{sim_url}"\ntoken = "sim.token.x"\n'
        "read_only = true\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    monkeypatch.delenv("AUTODL_TOKEN", raising=False)
    monkeypatch.delenv("AUTODL_TUI_PROFILE", raising=False)

    def call(*args: str, stdin: FakeStdin | None = None, profile: str = "sim") -> Done:
        return cli(
            capsys, monkeypatch, "--config", str(config), "--profile", profile, *args, stdin=stdin
        )

    return call


def deployment(run, name: str) -> dict:
    found = [d for d in run("ls", "deployments", "--json").json() if d["name"] == name]
    assert len(found) == 1, found
    return found[0]


def test_ls_every_kind_prints_json_and_no_secrets(run) -> None:
    listed = run("ls", "deployments", "--json")
    assert listed.code == 0, listed.err
    deployments = listed.json()
    assert {"llm-serve", "sd-webui"} <= {d["name"] for d in deployments}
    serve = next(d for d in deployments if d["name"] == "llm-serve")
    for kind in ("containers", "events", "packages"):
        done = run("ls", kind, serve["uuid"], "--json")
        assert done.code == 0, done.err
        assert isinstance(done.json(), list)
    containers = run("ls", "containers", "llm-serve", "--json").json()  # by name too
    assert containers and all(c["deployment_uuid"] == serve["uuid"] for c in containers)
    assert all("root_password" not in c["info"] for c in containers)
    events = run("ls", "events", "llm-serve", "--ndjson").ndjson()
    assert events and {"container_uuid", "status", "created_at"} <= set(events[0])
    assert events == sorted(events, key=lambda e: e["created_at"])
    stock = run("ls", "stock", "--region", "westDC2", "--json").json()
    assert stock and {s["region"] for s in stock} == {"westDC2"}
    assert all(s["idle"] <= s["total"] for s in stock)
    images = run("ls", "images", "--json").json()
    assert images and all(i["image_uuid"] for i in images)
    blacklist = run("ls", "blacklist", "--json").json()
    assert isinstance(blacklist, list) and all(b["machine_id"] for b in blacklist)


def test_table_is_the_default(run) -> None:
    done = run("ls", "deployments", "--status", "running")
    assert done.code == 0, done.err
    head, *rows = done.out.splitlines()
    assert head.split()[:3] == ["UUID", "NAME", "STATUS"]
    assert rows and all(" running " in row for row in rows)


def test_filters_and_usage_errors(run) -> None:
    stopped = run("ls", "deployments", "--status", "stopped", "--json").json()
    assert stopped and {d["status"] for d in stopped} == {"stopped"}
    assert run("ls", "containers").code == EXIT_INVALID  # needs a deployment
    assert run("ls", "containers", "no-such-deployment").code == EXIT_INVALID
    bad_region = run("ls", "stock", "--region", "marsDC1")
    assert bad_region.code == EXIT_INVALID and "unknown region" in bad_region.err
    assert run("ls", "nothing").code == EXIT_INVALID


def test_scale_asks_refuses_without_terminal_and_obeys_yes(run) -> None:
    before = deployment(run, "sd-webui")
    refused = run("scale", "sd-webui", "4")
    assert refused.code == EXIT_REFUSED and "--yes" in refused.err
    assert deployment(run, "sd-webui")["replica_num"] == before["replica_num"]
    declined = run("scale", "sd-webui", "4", stdin=FakeStdin("n\n", tty=True))
    assert declined.code == EXIT_REFUSED and "[y/N]" in declined.err
    asked = run("scale", "sd-webui", "4", stdin=FakeStdin("y\n", tty=True))
    assert asked.code == 0, asked.err
    assert deployment(run, "sd-webui")["replica_num"] == 4
    assert run("scale", "sd-webui", "2", "--yes").code == 0
    assert deployment(run, "sd-webui")["replica_num"] == 2


@pytest.mark.parametrize("value", ["-1", "1001", "2.5", "x"])
def test_scale_refuses_values_the_app_refuses(run, value) -> None:
    done = run("scale", "sd-webui", value, "--yes")
    assert done.code == EXIT_INVALID


def test_read_only_profile_refuses_every_mutation(run) -> None:
    target = deployment(run, "llm-serve")
    container = run("ls", "containers", "llm-serve", "--json").json()[0]["uuid"]
    for args in (
        ("scale", "llm-serve", "1"),
        ("stop", "llm-serve"),
        ("rm", "llm-serve"),
        ("stop-container", container),
        ("blacklist", container),
    ):
        done = run(*args, "--yes", profile="ro")
        assert done.code == EXIT_REFUSED, (args, done.err)
        assert "read-only" in done.err and "'ro'" in done.err
    assert deployment(run, "llm-serve") == target
    assert run("--read-only", "stop", "llm-serve", "--yes").code == EXIT_REFUSED


def test_stop_then_rm_by_typed_name(run) -> None:
    assert run("stop", "v100-train", "--yes").code == 0
    assert deployment(run, "v100-train")["status"] == "stopped"
    wrong = run("rm", "v100-train", stdin=FakeStdin("v100-trai\n", tty=True))
    assert wrong.code == EXIT_REFUSED and "Type v100-train to confirm" in wrong.err
    deployment(run, "v100-train")  # still there
    typed = run("rm", "v100-train", stdin=FakeStdin("v100-train\n", tty=True))
    assert typed.code == 0, typed.err
    names = {d["name"] for d in run("ls", "deployments", "--json").json()}
    assert "v100-train" not in names


def test_stop_container_and_blacklist(run) -> None:
    containers = run("ls", "containers", "l20-infer", "--json").json()
    running = [c for c in containers if c["status"] == "running" and c["machine_id"]]
    assert len(running) >= 2
    first, second = running[0], running[1]
    replicas = deployment(run, "l20-infer")["replica_num"]
    done = run("stop-container", first["uuid"], "--decrease-replicas", "--yes")
    assert done.code == 0, done.err
    assert deployment(run, "l20-infer")["replica_num"] == replicas - 1
    after = {c["uuid"]: c for c in run("ls", "containers", "l20-infer", "--json").json()}
    assert after[first["uuid"]]["status"] != "running"
    assert run("blacklist", second["uuid"], "--minutes", "0", "--yes").code == EXIT_INVALID
    banned = run("blacklist", second["uuid"], "--minutes", "90", "--comment", "slow", "--yes")
    assert banned.code == 0, banned.err
    machines = {b["machine_id"] for b in run("ls", "blacklist", "--json").json()}
    assert second["machine_id"] in machines


def test_api_errors_exit_3(run) -> None:
    done = run("stop-container", "no-such-container", "--yes")
    assert done.code == EXIT_API
    assert ESC not in done.err


def test_without_a_token_exits_2(sim_url, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AUTODL_TOKEN", raising=False)
    monkeypatch.delenv("AUTODL_TUI_PROFILE", raising=False)
    config = Path(tmp_path / "none.toml")
    done = cli(
        capsys, monkeypatch, "--config", str(config), "--base-url", sim_url, "ls", "deployments"
    )
    assert done.code == EXIT_INVALID and "no developer token" in done.err
