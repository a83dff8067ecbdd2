"""`deploy --dry-run --json`: stdout is one JSON object and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys

from sim_process import REPO, running_sim

from autodl_tui.deploy.template import Template
from autodl_tui.deploy.template_file import TemplateFile

TEMPLATE = Template(
    name="json-dry",
    deployment_type="Job",
    replica_num=1,
    parallelism_num=1,
    dc_list=("westDC2",),
    gpu_name_set=("RTX 4090",),
    image_uuid="base-image-l2t43iu6uk",
    cmd="sleep 60",
)


def autodl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`autodl-tui ARGS` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "autodl_tui", *args],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dry_run_json_is_pure_json(tmp_path) -> None:
    path = tmp_path / "t.toml"
    TemplateFile.new(TEMPLATE).save(path)
    env = {"AUTODL_TOKEN": "dry.run.token", "AUTODL_TUI_CONFIG": str(tmp_path / "c.toml")}
    with running_sim("--fleet", "demo") as (_proc, url):
        done = autodl(env, "--base-url", url, "deploy", str(path), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)  # the whole of stdout: one object
    assert record["body"] == TEMPLATE.to_spec().to_body()
    assert record["has_stock"] is True and record["idle"] > 0
    assert [r["region"] for r in record["regions"]] == ["westDC2"]
    assert "Matching idle GPUs" in done.stderr


def test_a_read_only_profile_creates_nothing(tmp_path) -> None:
    path = tmp_path / "t.toml"
    TemplateFile.new(TEMPLATE).save(path)
    config = tmp_path / "c.toml"
    with running_sim("--fleet", "demo") as (_proc, url):
        config.write_text(
            f'[profiles.ro]\nbase_url = "{url}"\ntoken = "ro.token"\nread_only = true\n'
        )
        config.chmod(0o600)
        env = {"AUTODL_TUI_CONFIG": str(config)}
        done = autodl(env, "--profile", "ro", "deploy", str(path))
        assert done.returncode == 5 and "read-only (profile 'ro'" in done.stderr
        assert done.stdout == ""
        dry = autodl(env, "--profile", "ro", "deploy", str(path), "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["body"]["name"] == "json-dry"
        listed = autodl(env, "--profile", "ro", "ls", "deployments", "--json")
        assert "json-dry" not in {d["name"] for d in json.loads(listed.stdout)}
