"""`autodl-tui deploy` from a fresh process against a real `autodl-tui sim` socket server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sim_process import running_sim

from autodl_tui.deploy.template import Template
from autodl_tui.deploy.template_file import TemplateFile

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = Template(
    name="cli-made",
    deployment_type="Job",
    replica_num=2,
    parallelism_num=1,
    dc_list=("westDC2",),
    gpu_name_set=("RTX 4090",),
    image_uuid="base-image-l2t43iu6uk",
    cmd="sleep 60",
)


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_sim("--fleet", "demo") as (_proc, url):
        yield url


def deployments(url: str, name: str) -> list[dict[str, Any]]:
    r = httpx.post(
        f"{url}/api/v1/dev/deployment/list",
        json={"page_index": 1, "page_size": 100, "name": name},
        headers={"Authorization": "t"},
    )
    items: list[dict[str, Any]] = r.json()["data"]["list"]
    return items


def run(tmp_path: Path, *args: str, token: str | None = "t") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTODL_TOKEN"}
    env["AUTODL_TUI_CONFIG"] = str(tmp_path / "config.toml")
    if token is not None:
        env["AUTODL_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "autodl_tui", "deploy", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, template: Template, name: str = "t.toml") -> str:
    path = tmp_path / name
    TemplateFile.new(template).save(path)
    return str(path)


def test_dry_run_prints_body_and_preflight_and_creates_nothing(tmp_path, sim_url) -> None:
    done = run(tmp_path, write(tmp_path, TEMPLATE), "--dry-run", "--base-url", sim_url)
    assert done.returncode == 0, done.stderr
    body_text = done.stdout[: done.stdout.index("Matching idle GPUs")]
    body = json.loads(body_text)
    assert body == TEMPLATE.to_spec().to_body()
    assert "westDC2 西北企业区(推荐):" in done.stdout and " idle (RTX 4090 " in done.stdout
    assert deployments(sim_url, "cli-made") == []


def test_deploy_creates_once_and_prints_the_uuid(tmp_path, sim_url) -> None:
    done = run(tmp_path, write(tmp_path, TEMPLATE), "--base-url", sim_url, "--name", "cli-one")
    assert done.returncode == 0, done.stderr
    uuid = done.stdout.strip()
    assert "Matching idle GPUs" in done.stderr
    found = deployments(sim_url, "cli-one")
    assert [d["uuid"] for d in found] == [uuid]
    assert found[0]["deployment_type"] == "Job" and found[0]["replica_num"] == 2


def test_invalid_file_exits_2_naming_each_field(tmp_path, sim_url) -> None:
    path = write(tmp_path, replace(TEMPLATE, cmd="", gpu_num=12))
    done = run(tmp_path, path, "--base-url", sim_url)
    assert done.returncode == 2
    assert "cmd: required" in done.stderr and "gpu_num: must be 1 to 8" in done.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ", encoding="utf-8")
    assert run(tmp_path, str(broken), "--base-url", sim_url).returncode == 2
    missing = run(tmp_path, str(tmp_path / "nope.toml"), "--base-url", sim_url)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    no_token = run(tmp_path, write(tmp_path, TEMPLATE), "--base-url", sim_url, token=None)
    assert no_token.returncode == 2 and "token" in no_token.stderr


def test_api_error_exits_3(tmp_path, sim_url) -> None:
    path = write(tmp_path, replace(TEMPLATE, name="cli-bad-image", image_uuid="image-nope"))
    done = run(tmp_path, path, "--base-url", sim_url)
    assert done.returncode == 3, done.stderr
    assert "RecordNotFoundError" in done.stderr
    assert deployments(sim_url, "cli-bad-image") == []


def test_no_matching_stock_exits_4(tmp_path, sim_url) -> None:
    path = write(
        tmp_path, replace(TEMPLATE, name="cli-nostock", price_yuan_from=0, price_yuan_to=0.01)
    )
    for extra in ((), ("--dry-run",)):
        done = run(tmp_path, path, "--base-url", sim_url, *extra)
        assert done.returncode == 4, done.stderr
        assert "no idle GPU matches" in done.stderr
    assert deployments(sim_url, "cli-nostock") == []
    forced = run(tmp_path, path, "--base-url", sim_url, "--force")
    assert forced.returncode == 0
    assert [d["uuid"] for d in deployments(sim_url, "cli-nostock")] == [forced.stdout.strip()]
