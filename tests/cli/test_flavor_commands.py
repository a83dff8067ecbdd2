"""The headless subcommands against `autodl-tui sim --flavor private`, through a private profile.

The flavor-neutral tests of test_commands.py run here again, unchanged, with `run` going
through a `flavor = "private"` profile to a private-flavor simulator; what differs follows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sim_process import running_sim
from test_commands import (
    run,
    test_api_errors_exit_3,
    test_ls_every_kind_prints_json_and_no_secrets,
    test_read_only_profile_refuses_every_mutation,
    test_scale_asks_refuses_without_terminal_and_obeys_yes,
    test_stop_container_and_blacklist,
    test_stop_then_rm_by_typed_name,
    test_table_is_the_default,
)
from test_deploy_json import TEMPLATE, autodl

from autodl_tui.api.flavor import CLUSTER
from autodl_tui.deploy.template_file import TemplateFile

__all__ = [
    "run",
    "test_api_errors_exit_3",
    "test_ls_every_kind_prints_json_and_no_secrets",
    "test_read_only_profile_refuses_every_mutation",
    "test_scale_asks_refuses_without_terminal_and_obeys_yes",
    "test_stop_container_and_blacklist",
    "test_stop_then_rm_by_typed_name",
    "test_table_is_the_default",
]


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_sim("--fleet", "demo", "--flavor", "private") as (_proc, url):
        yield url


@pytest.fixture
def profile_lines() -> str:
    """Overrides test_commands' `profile_lines`: `run`'s profiles speak the private flavor."""
    return 'flavor = "private"\n'


def private_config(path, url: str) -> None:
    path.write_text(
        f'[profiles.sim]\nflavor = "private"\nbase_url = "{url}"\ntoken = "sim.token.x"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)


def test_ls_stock_reads_the_whole_cluster(run) -> None:
    cluster = run("ls", "stock", "--json")
    assert cluster.code == 0, cluster.err
    stock = cluster.json()
    assert stock and {s["region"] for s in stock} == {CLUSTER}
    assert all(s["gpu_name"].startswith("NVIDIA ") for s in stock)
    one = run("ls", "stock", "--gpu", "NVIDIA GeForce RTX 4090", "--json").json()
    assert [s["gpu_name"] for s in one] == ["NVIDIA GeForce RTX 4090"]
    # A private cluster names its own data centres: any code is asked for, none refused.
    nowhere = run("ls", "stock", "--region", "labDC1", "--json")
    assert nowhere.code == 0 and nowhere.json() == []


def test_a_public_profile_on_the_private_simulator_is_told_apart(sim_url, tmp_path) -> None:
    # Without the flavor the blacklist is read by GET, which the private service lacks.
    config = tmp_path / "public.toml"
    config.write_text(f'base_url = "{sim_url}"\ntoken = "sim.token.x"\n', encoding="utf-8")
    config.chmod(0o600)
    done = autodl({"AUTODL_TUI_CONFIG": str(config)}, "ls", "blacklist", "--json")
    assert done.returncode != 0 and "405" in done.stderr


def private_deploy(tmp_path, url: str, **fields) -> tuple[Path, dict[str, str]]:
    """A template file with `fields` (private model names), and the env of a private profile."""
    path = tmp_path / "t.toml"
    # The private cloud's model names (a public "RTX 4090" matches none of its stock).
    template = replace(TEMPLATE, gpu_name_set=("NVIDIA GeForce RTX 4090",), **fields)
    TemplateFile.new(template).save(path)
    config = tmp_path / "c.toml"
    private_config(config, url)
    return path, {"AUTODL_TUI_CONFIG": str(config)}


def test_deploy_dry_run_shows_the_private_body_and_deploy_creates(sim_url, tmp_path) -> None:
    path, env = private_deploy(tmp_path, sim_url, name="lab-dry")
    template = TemplateFile.load(path).template()
    dry = autodl(env, "--profile", "sim", "deploy", str(path), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    sent = json.loads(dry.stdout)["body"]["container_template"]
    assert sent["cuda_v"] == template.to_spec().template.cuda_v_from
    assert not {"dc_list", "cuda_v_from", "cuda_v_to"} & set(sent)
    made = autodl(env, "--profile", "sim", "deploy", str(path))
    assert made.returncode == 0, made.stderr
    listed = autodl(env, "--profile", "sim", "ls", "deployments", "--json")
    assert "lab-dry" in {d["name"] for d in json.loads(listed.stdout)}


def test_a_private_template_needs_no_regions_and_preflight_reads_the_cluster(
    sim_url, tmp_path
) -> None:
    path, env = private_deploy(tmp_path, sim_url, name="lab-noregion", dc_list=())
    dry = autodl(env, "--profile", "sim", "deploy", str(path), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout)
    # The stock checked is the cluster's, not a region the create would not send.
    assert [r["region"] for r in shown["regions"]] == [CLUSTER]
    assert "dc_list" not in shown["body"]["container_template"]
    made = autodl(env, "--profile", "sim", "deploy", str(path))
    assert made.returncode == 0, made.stderr
    # The same file for the public cloud is refused, naming the field; nothing is sent.
    public = tmp_path / "public.toml"
    public.write_text(f'base_url = "{sim_url}"\ntoken = "sim.token.x"\n', encoding="utf-8")
    public.chmod(0o600)
    refused = autodl({"AUTODL_TUI_CONFIG": str(public)}, "deploy", str(path), "--dry-run")
    assert refused.returncode != 0
    assert "dc_list" in refused.stderr and "region" in refused.stderr
