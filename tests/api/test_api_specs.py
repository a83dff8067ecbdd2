"""Request builders: wire bodies in the document's units, and validation before sending."""

from __future__ import annotations

from datetime import datetime

import pytest

from autodl_tui.api import ContainerFilter, ContainerTemplateSpec, DeploymentSpec, StockFilter
from autodl_tui.api.errors import CODE_CLIENT_VALIDATION, InvalidRequestError
from autodl_tui.catalog import CST


def template(**kw: object) -> ContainerTemplateSpec:
    base: dict[str, object] = {
        "dc_list": ["westDC2", "westDC3"],
        "gpu_name_set": ["RTX 4090"],
        "image_uuid": "image-db8346e037",
        "cmd": "sleep 100",
    }
    base.update(kw)
    return ContainerTemplateSpec(**base)  # type: ignore[arg-type]


def test_replica_set_body_matches_vendor_example() -> None:
    spec = DeploymentSpec.replica_set("api自动创建", template(), 2, reuse_container=True)
    spec.validate()
    assert spec.to_body() == {
        "name": "api自动创建",
        "deployment_type": "ReplicaSet",
        "replica_num": 2,
        "reuse_container": True,
        "container_template": {
            "dc_list": ["westDC2", "westDC3"],
            "gpu_name_set": ["RTX 4090"],
            "gpu_num": 1,
            "cuda_v_from": 113,
            "cuda_v_to": 128,
            "memory_size_from": 1,  # GB on the wire, as the document asks
            "memory_size_to": 256,
            "cpu_num_from": 1,
            "cpu_num_to": 100,
            "price_from": 100,
            "price_to": 9000,
            "image_uuid": "image-db8346e037",
            "cmd": "sleep 100",
        },
    }
    assert isinstance(spec.template.dc_list, tuple)  # lists frozen into tuples


def test_job_and_container_bodies() -> None:
    job = DeploymentSpec.job("j", template(cmd_before_shutdown="sync"), 4, 1)
    job.validate()
    body = job.to_body()
    assert (body["replica_num"], body["parallelism_num"]) == (4, 1)
    assert body["container_template"]["cmd_before_shutdown"] == "sync"
    box = DeploymentSpec.container("c", template(), service_6006_port_protocol="tcp")
    box.validate()
    body = box.to_body()
    assert "replica_num" not in body and "parallelism_num" not in body
    assert body["service_6006_port_protocol"] == "tcp"
    assert "service_6008_port_protocol" not in body


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (DeploymentSpec("", "ReplicaSet", template(), replica_num=1), "name is required"),
        (DeploymentSpec("x", "StatefulSet", template()), "deployment_type"),
        (DeploymentSpec("x", "ReplicaSet", template()), "replica_num"),
        (DeploymentSpec("x", "ReplicaSet", template(), replica_num=0), "replica_num"),
        (DeploymentSpec("x", "Job", template(), replica_num=3), "parallelism_num"),
        (DeploymentSpec.container("x", template(), service_6008_port_protocol="udp"), "6008"),
        (DeploymentSpec.container("x", template(dc_list=[])), "dc_list"),
        (DeploymentSpec.container("x", template(gpu_name_set=[" "])), "gpu_name_set"),
        (DeploymentSpec.container("x", template(gpu_num=0)), "gpu_num"),
        (DeploymentSpec.container("x", template(cuda_v_from=128, cuda_v_to=113)), "cuda_v_from"),
        (DeploymentSpec.container("x", template(memory_gb_from=64, memory_gb_to=8)), "memory_gb"),
        (DeploymentSpec.container("x", template(memory_gb_to=274877906944)), "not bytes"),
        (DeploymentSpec.container("x", template(cpu_num_from=-1)), "cpu_num_from"),
        (DeploymentSpec.container("x", template(price_from=9000, price_to=100)), "price_from"),
        (DeploymentSpec.container("x", template(price_to=2.5)), "integers"),
        (DeploymentSpec.container("x", template(image_uuid="")), "image_uuid"),
        (DeploymentSpec.container("x", template(cmd="  ")), "cmd"),
        (DeploymentSpec.container("x", template(gpu_num=True)), "gpu_num"),
    ],
)
def test_invalid_specs(spec: DeploymentSpec, fragment: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        spec.validate()
    assert fragment in info.value.msg
    assert info.value.code == CODE_CLIENT_VALIDATION
    assert info.value.problems and info.value.hint


def test_template_validates_on_its_own() -> None:
    template().validate()
    with pytest.raises(InvalidRequestError, match="gpu_num"):
        template(gpu_num=0).validate()


def test_all_problems_reported_at_once() -> None:
    spec = DeploymentSpec("", "Job", template(cmd="", image_uuid=""))
    problems = spec.problems()
    assert len(problems) >= 4


def test_container_filter_body_only_set_fields() -> None:
    assert ContainerFilter().to_body() == {}
    f = ContainerFilter(
        status=["running", "starting"],
        released=True,
        memory_gb_from=8,
        date_from=datetime(2022, 12, 13, 16, 0, tzinfo=CST),
        date_to="2022-12-14 00:00:00",
        price_to=2000.0,
        gpu_name="RTX 4090",
    )
    f.validate()
    assert f.to_body() == {
        "status": ["running", "starting"],
        "released": True,
        "memory_size_from": 8,
        "date_from": "2022-12-13T16:00:00+08:00",
        "date_to": "2022-12-14 00:00:00",
        "price_to": 2000.0,
        "gpu_name": "RTX 4090",
    }


@pytest.mark.parametrize(
    "bad",
    [
        ContainerFilter(cpu_num_from=8, cpu_num_to=4),
        ContainerFilter(memory_gb_from=-1),
        ContainerFilter(price_from=3.0, price_to=1.0),
        ContainerFilter(date_from=datetime(2023, 1, 2), date_to=datetime(2023, 1, 1)),
        ContainerFilter(status=("",)),
        ContainerFilter(memory_gb_to=2147483648),
    ],
)
def test_container_filter_invalid(bad: ContainerFilter) -> None:
    with pytest.raises(InvalidRequestError):
        bad.validate()


def test_stock_filter_body() -> None:
    assert StockFilter().to_body("westDC2") == {"region_sign": "westDC2"}
    f = StockFilter(gpu_name_set=["RTX 4090"], cuda_v_from=117, cuda_v_to=128, memory_gb_to=64)
    f.validate()
    assert f.to_body("westDC2") == {
        "region_sign": "westDC2",
        "gpu_name_set": ["RTX 4090"],
        "cuda_v_from": 117,
        "cuda_v_to": 128,
        "memory_size_to": 64,
    }
    with pytest.raises(InvalidRequestError):
        StockFilter(cuda_v_from=128, cuda_v_to=117).validate()
