"""Templates: per-field validation, units, and files whose comments survive load -> save."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import tomlkit

from autodl_tui.deploy.template import Template, TemplateError, parse_template
from autodl_tui.deploy.template_file import (
    CONTAINER_KEYS,
    TOP_KEYS,
    TemplateFile,
    list_templates,
    save_template,
    template_path,
)
from autodl_tui.paths import templates_dir

REPO = Path(__file__).resolve().parents[2]

USER_FILE = """\
# my team's inference template
name = "infer"  # keep in sync with the dashboard
deployment_type = "Job"
replica_num = 4
parallelism_num = 2

# the GPUs part
[container_template]
image_uuid = "base-image-l2t43iu6uk"   # torch 2.0
cmd = "python serve.py"
dc_list = ["westDC2", "beijingDC1"]
gpu_name_set = ["RTX 4090", "RTX 3090"]
# ask for 12.x drivers only
cuda_from = "12.0"
cuda_to = "12.4"
memory_gb_from = 16
memory_gb_to = 64
price_yuan_from = 0.5
price_yuan_to = 2.25
"""

VALID = Template(
    name="svc",
    dc_list=("westDC2",),
    gpu_name_set=("RTX 4090",),
    image_uuid="base-image-l2t43iu6uk",
    cmd="sleep 100",
)


def test_a_commented_user_file_loads_modifies_and_keeps_every_comment(tmp_path: Path) -> None:
    path = tmp_path / "infer.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    file = TemplateFile.load(path)
    template = file.template()
    assert template.cuda_from == 120 and template.cuda_to == 124
    assert template.price_yuan_to == 2.25 and template.parallelism_num == 2
    file.update(replace(template, replica_num=6, cuda_to=128, gpu_name_set=("RTX 4090",)))
    file.save()
    text = path.read_text(encoding="utf-8")
    for comment in (
        "# my team's inference template",
        "# keep in sync with the dashboard",
        "# the GPUs part",
        "# torch 2.0",
        "# ask for 12.x drivers only",
    ):
        assert comment in text
    assert "replica_num = 6" in text and 'cuda_to = "12.8"' in text
    # Unchanged values keep their exact spelling and place; the user's order stays.
    assert text.index("image_uuid") < text.index("cmd =") < text.index("dc_list")
    assert "price_yuan_to = 2.25" in text
    reloaded = TemplateFile.load(path).template()
    assert reloaded.replica_num == 6 and reloaded.gpu_name_set == ("RTX 4090",)
    # Keys the user left out are added, each with its explanation.
    assert "cmd_before_shutdown" in text and "killed after 5 s" in text


def test_a_new_file_explains_every_field_with_units(tmp_path: Path) -> None:
    text = TemplateFile.new(VALID).dumps()
    lines = text.splitlines()
    for key in [*TOP_KEYS, *CONTAINER_KEYS]:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = "))
        assert lines[index - 1].startswith("#"), key
    assert "in GB" in text and "yuan per hour" in text and '"11.8"' in text
    assert tomlkit.parse(text)["container_template"]["cuda_from"] == "11.3"
    file = TemplateFile.parse(text)
    assert file.template() == VALID


def test_example_template_is_valid() -> None:
    template = TemplateFile.load(REPO / "examples" / "replicaset.toml").template()
    body = template.to_spec().to_body()
    assert body["deployment_type"] == "ReplicaSet"


def test_to_spec_converts_units() -> None:
    template = replace(
        VALID, price_yuan_from=0.1, price_yuan_to=2.345, cuda_from=118, memory_gb_to=64
    )
    body = template.to_spec().to_body()
    t = body["container_template"]
    assert (t["price_from"], t["price_to"]) == (100, 2345)
    assert (t["cuda_v_from"], t["cuda_v_to"]) == (118, 128)
    assert t["memory_size_to"] == 64
    assert "parallelism_num" not in body


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"name": "  "}, "name", "required"),
        ({"name": "x" * 65}, "name", "at most 64"),
        ({"deployment_type": "Pod"}, "deployment_type", "one of"),
        ({"replica_num": "0"}, "replica_num", "1 to 1000"),
        ({"replica_num": "two"}, "replica_num", "whole number"),
        (
            {"deployment_type": "Job", "replica_num": "2", "parallelism_num": "3"},
            "parallelism_num",
            "1 to replica_num (2)",
        ),
        ({"service_6006_port_protocol": "udp"}, "service_6006_port_protocol", "http or tcp"),
        ({"dc_list": []}, "dc_list", "at least one region"),
        ({"dc_list": ["marsDC1"]}, "dc_list", "unknown region"),
        ({"gpu_name_set": []}, "gpu_name_set", "at least one GPU"),
        ({"gpu_num": "9"}, "gpu_num", "1 to 8"),
        ({"cuda_from": "twelve"}, "cuda_from", "CUDA version"),
        ({"cuda_from": "12.4", "cuda_to": "11.8"}, "cuda_from", "not be above CUDA 11.8"),
        ({"cpu_num_from": "16", "cpu_num_to": "8"}, "cpu_num_from", "must not exceed"),
        ({"memory_gb_to": str(64 * 1024**3)}, "memory_gb_to", "GB, not bytes"),
        ({"price_yuan_from": "abc"}, "price_yuan_from", "yuan"),
        ({"price_yuan_from": "-1"}, "price_yuan_from", "0 to 1000"),
        ({"image_uuid": ""}, "image_uuid", "choose an image"),
        ({"cmd": ""}, "cmd", "required"),
        ({"gpu_nums": 2}, "gpu_nums", "unknown key"),
        ({"name": "exp\x1b]52;c;aGk=\x07"}, "name", "control characters"),
        ({"name": "bidi\u202eevil"}, "name", "control characters"),
        ({"image_uuid": "image-\x9b2J"}, "image_uuid", "control characters"),
        ({"cmd": "sleep 1\x1b[2J"}, "cmd", "control characters"),
        ({"name": "copied␛]52"}, "name", "stand-ins"),
        ({"gpu_name_set": ["RTX\x1b4090"]}, "gpu_name_set", "control characters"),
    ],
)
def test_each_rule_names_its_field(change: dict[str, object], field: str, reason: str) -> None:
    data: dict[str, object] = {**VALID.as_fields(), **change}
    _template, problems = parse_template(data)
    assert field in problems, problems
    assert reason in problems[field]


def test_a_script_may_hold_line_breaks_and_tabs() -> None:
    data: dict[str, object] = {**VALID.as_fields(), "cmd": "cd /root\n\tpython serve.py"}
    _template, problems = parse_template(data)
    assert "cmd" not in problems


def test_form_text_parses_like_file_values() -> None:
    text = {k: str(v) for k, v in VALID.as_fields().items() if not isinstance(v, list | bool)}
    template, problems = parse_template({**VALID.as_fields(), **text, "price_yuan_to": "¥9"})
    assert problems == {}
    assert template == VALID


def test_invalid_template_raises_with_problems() -> None:
    with pytest.raises(TemplateError) as caught:
        Template().to_spec()
    assert {"name", "dc_list", "gpu_name_set", "image_uuid", "cmd"} <= set(caught.value.problems)


def test_files_that_are_not_templates_say_why(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such file"):
        TemplateFile.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(TemplateError, match="not valid TOML"):
        TemplateFile.load(bad)


def test_templates_live_beside_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTODL_TUI_CONFIG", str(tmp_path / "conf" / "config.toml"))
    assert templates_dir() == tmp_path / "conf" / "templates"
    path = save_template(VALID, "svc")
    assert path == tmp_path / "conf" / "templates" / "svc.toml"
    assert list_templates() == ["svc"]
    # Saving again keeps a comment the user added meanwhile.
    path.write_text("# mine\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    save_template(replace(VALID, gpu_num=2), "svc")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# mine\n") and "gpu_num = 2" in text
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(ValueError):
            template_path(bad)


def test_saving_over_a_broken_file_refuses(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("not toml [", encoding="utf-8")
    with pytest.raises(TemplateError):
        save_template(VALID, "x", tmp_path)
    assert (tmp_path / "x.toml").read_text(encoding="utf-8") == "not toml ["
