"""`autodl-tui deploy` from a fresh process against a real `autodl-tui sim` socket server."""

from __future__ import annotations

import io
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

from autodl_tui.api import AutoDLClient, RetryPolicy
from autodl_tui.deploy.command import EXIT_API, deploy
from autodl_tui.deploy.template import Template
from autodl_tui.deploy.template_file import TemplateFile
from autodl_tui.sim.clock import VirtualClock
from autodl_tui.sim.fleets import build_simulator
from autodl_tui.sim.transport import sim_transport
from autodl_tui.token import ARGV_WARNING

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


def run(
    tmp_path: Path, *args: str, token: str | None = "t", stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTODL_TOKEN"}
    env["AUTODL_TUI_CONFIG"] = str(tmp_path / "config.toml")
    if token is not None:
        env["AUTODL_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "autodl_tui", "deploy", *args],
        cwd=REPO,
        env=env,
        input=stdin,
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


def test_token_from_stdin_or_a_file_and_the_argv_warning(tmp_path, sim_url) -> None:
    path = write(tmp_path, TEMPLATE)
    piped = run(
        tmp_path, path, "--dry-run", "--base-url", sim_url, "--token", "-", token=None,
        stdin="t\n",
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert "warning" not in piped.stderr
    token_file = tmp_path / "token"
    token_file.write_text("t\n")
    token_file.chmod(0o600)
    from_file = run(tmp_path, path, "--dry-run", "--base-url", sim_url, "--token-file",
                    str(token_file), token=None)  # fmt: skip
    assert from_file.returncode == 0, from_file.stderr
    assert "warning" not in from_file.stderr
    on_argv = run(tmp_path, path, "--dry-run", "--base-url", sim_url, "--token", "t", token=None)
    assert on_argv.returncode == 0, on_argv.stderr
    assert f"autodl-tui deploy: warning: {ARGV_WARNING}" in on_argv.stderr


HOSTILE = "\x1b]52;c;aGk=\x07\x1b[2J"


class Hostile(httpx.AsyncBaseTransport):
    """The simulator, but the create's uuid or an error's msg carries terminal escapes."""

    def __init__(self, *, uuid: str | None = None, msg: str | None = None) -> None:
        self.inner = sim_transport(build_simulator("demo", seed=0, clock=VirtualClock()))
        self.uuid = uuid
        self.msg = msg

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = json.loads(await response.aread())
        if self.uuid is not None and request.url.path == "/api/v1/dev/deployment":
            body["data"]["deployment_uuid"] = self.uuid
        if self.msg is not None and body["code"] != "Success":
            body["msg"] = self.msg
        return httpx.Response(response.status_code, json=body)


async def hostile_deploy(
    transport: Hostile, template: Template, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    client = AutoDLClient("t", base_url="http://sim", transport=transport,
                          retry=RetryPolicy(max_retries=0))  # fmt: skip
    out = io.StringIO()
    code = await deploy(client, template.to_spec(), dry_run=False, out=out)
    return code, out.getvalue(), capsys.readouterr().err


async def test_a_uuid_holding_controls_is_refused_not_printed(capsys) -> None:
    code, out, err = await hostile_deploy(Hostile(uuid="abc" + HOSTILE), TEMPLATE, capsys)
    assert code == EXIT_API and out == ""
    assert "invalid deployment uuid (not printed)" in err and "\x1b" not in err


async def test_a_vendor_message_reaches_stderr_with_its_controls_shown(capsys) -> None:
    bad_image = replace(TEMPLATE, image_uuid="image-nope")
    code, out, err = await hostile_deploy(Hostile(msg="no such image" + HOSTILE), bad_image, capsys)
    assert code == EXIT_API and out == ""
    assert "no such image␛]52;c;aGk=␇␛[2J" in err
    assert "\x1b" not in err and "\x07" not in err
