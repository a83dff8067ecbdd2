"""Model parsing: the vendor's examples, the real service's leaner/odder payloads, units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from autodl_tui.api import (
    BlacklistEntry,
    Container,
    ContainerEvent,
    ContainerInfo,
    Deployment,
    DurationPackage,
    Page,
    PrivateImage,
)
from autodl_tui.api.models import parse_gpu_stock, parse_list
from autodl_tui.catalog import CST, GIB

DOC_DEPLOYMENT: dict[str, Any] = {
    "id": 214,
    "uid": 58,
    "uuid": "53a677bb3e281b8",
    "name": "xxxx",
    "deployment_type": "Container",
    "status": "stopped",
    "replica_num": 1,
    "parallelism_num": 1,
    "reuse_container": True,
    "service_port_protocol": "http",
    "starting_num": 0,
    "running_num": 0,
    "finished_num": 2,
    "image_uuid": "image-db8346e037",
    "template": {
        "region_sign": "",
        "dc_list": ["westDC2", "westDC3"],
        "gpu_name_set": ["Tesla V100-SXM2-32GB"],
        "gpu_num": 1,
        "image_uuid": "image-db8346e037",
        "image_name": "xxxx",
        "cmd": "sleep 100",
        "memory_size_from": 1073741824,
        "memory_size_to": 274877906944,
        "cpu_num_from": 1,
        "cpu_num_to": 100,
        "price_from": 10,
        "price_to": 9000,
        "cuda_v_from": 113,
        "cuda_v_to": 128,
    },
    "price_estimates": 0,
    "created_at": "2023-01-05T20:34:07+08:00",
    "updated_at": "2023-01-05T20:34:07+08:00",
    "stopped_at": None,
}

DOC_CONTAINER: dict[str, Any] = {
    "id": 195,
    "uuid": "53a677bb3e281b8-f94411a60c-63c24009",
    "data_center": "westDC2",
    "machine_id": "f94411a60c",
    "deployment_uuid": "da497aea1eb8343",
    "status": "running",
    "gpu_name": "TITAN Xp",
    "gpu_num": 1,
    "cpu_num": 4,
    "memory_size": 2147483648,
    "image_uuid": "image-db8346e037",
    "price": 1881,
    "info": {
        "ssh_command": "ssh -p 21305 root@region-1.autodl.com",
        "root_password": "hunter2-very-secret",
        "service_6006_port_url": "https://region-1.autodl.com:21294",
        "service_6008_port_url": "region-1.autodl.com:21295",
    },
    "started_at": "2022-12-13T16:43:03+08:00",
    "stopped_at": None,
    "created_at": "2022-12-13T16:42:50+08:00",
    "updated_at": "2022-12-13T16:43:03+08:00",
}


def test_deployment_from_doc_example() -> None:
    d = Deployment.from_api(DOC_DEPLOYMENT)
    assert d.uuid == "53a677bb3e281b8"
    assert d.status == "stopped" and not d.is_running
    assert d.reuse_container is True
    assert d.template.memory_size_from == GIB  # bytes in, bytes kept
    assert d.template.memory_size_to == 256 * GIB
    assert d.template.dc_list == ("westDC2", "westDC3")
    assert d.template.regions == ("westDC2", "westDC3")
    assert d.template.cuda_range == (113, 128)
    assert d.created_at == datetime(2023, 1, 5, 20, 34, 7, tzinfo=CST)
    assert d.stopped_at is None
    assert d.finished_num == 2


def test_deployment_slim_get_item_and_deprecated_fields() -> None:
    slim = {
        "id": 2460000,
        "uid": 673024,
        "uuid": "c776a3a3a0",
        "name": "x",
        "deployment_type": "ReplicaSet",
        "status": "running",
        "region_sign": "",
        "dc_list": ["westDC2"],
        "gpu_name_set": ["RTX 4090"],
        "created_at": "2025-07-03T20:37:47+08:00",
    }
    d = Deployment.from_api(slim)
    assert d.template.dc_list == ("westDC2",)
    assert d.template.gpu_name_set == ("RTX 4090",)
    assert d.replica_num == 0 and d.is_running

    old = Deployment.from_api({"uuid": "u", "template": {"region_sign": "westDC3", "cuda_v": 118}})
    assert old.template.regions == ("westDC3",)
    assert old.template.cuda_range == (118, 0)


def test_deployment_tolerates_odd_types_and_unknown_status() -> None:
    d = Deployment.from_api(
        {
            "uuid": 12345,
            "status": "finished",
            "replica_num": "4",
            "running_num": 2.0,
            "reuse_container": "true",
            "template": "not an object",
            "price_estimates": None,
            "stopped_at": {"Time": "0001-01-01T00:00:00Z", "Valid": False},
            "brand_new_field": {"x": 1},
        }
    )
    assert d.uuid == "12345"
    assert d.status == "finished"  # unknown status kept as data
    assert d.replica_num == 4 and d.running_num == 2
    assert d.reuse_container is True
    assert d.template.gpu_name_set == ()
    assert d.stopped_at is None


def test_container_from_doc_example_units_and_info() -> None:
    c = Container.from_api(DOC_CONTAINER)
    assert c.memory_size == 2 * GIB and c.memory_gb == 2.0
    assert c.price == 1881 and c.price_yuan_per_hour == pytest.approx(1.881)
    assert c.info.ssh_port == 21305 and c.info.ssh_host == "region-1.autodl.com"
    assert c.info.root_password == "hunter2-very-secret"
    assert c.info.service_6006_url == "https://region-1.autodl.com:21294"
    assert c.started_at == datetime(2022, 12, 13, 16, 43, 3, tzinfo=CST)


def test_container_float_price_and_deprecated_info() -> None:
    c = Container.from_api(
        {
            "uuid": "c",
            "price": 1881.6,
            "info": {
                "service_url": "https://old:1",
                "proxy_host": "old",
                "custom_port": "21294",
                "root_password": None,
            },
        }
    )
    assert c.price == 1882
    assert c.info.service_6006_url == "https://old:1"
    assert c.info.custom_port == 21294
    assert c.info.root_password == ""
    assert c.info.ssh_port is None and c.info.ssh_host == ""


def test_password_never_in_repr() -> None:
    c = Container.from_api(DOC_CONTAINER)
    assert "hunter2" not in repr(c)
    assert "hunter2" not in repr(c.info)
    assert "hunter2" not in str(c)
    assert "hunter2" not in repr(ContainerInfo(root_password="hunter2"))


def test_private_image_real_and_doc_shapes() -> None:
    real = PrivateImage.from_api({"id": 549274, "image_name": "hq_det", "image_uuid": "image-8"})
    assert real == PrivateImage(549274, "image-8", "hq_det")
    doc = PrivateImage.from_api(
        {"id": 1, "name": "via name", "image_uuid": "i", "status": "finished",
         "created_at": "2022-01-20T18:34:08+08:00"}
    )  # fmt: skip
    assert doc.image_name == "via name" and doc.status == "finished"
    assert doc.created_at is not None


def test_event_and_key() -> None:
    e = ContainerEvent.from_api(
        {
            "deployment_container_uuid": "d-m-1",
            "status": "oss_merged",
            "created_at": "2022-12-13T16:34:55+08:00",
        }
    )
    assert e.container_uuid == "d-m-1"
    assert e.key == ("d-m-1", "oss_merged", datetime(2022, 12, 13, 16, 34, 55, tzinfo=CST))


def test_blacklist_entry() -> None:
    b = BlacklistEntry.from_api(
        {
            "created_at": "2025-03-25T17:42:55+08:00",
            "data_center": "westDC2",
            "expired_time": "2025-03-26T17:48:11+08:00",
            "machine_id": "24fb4ca36a",
            "msg": "开机缓慢",
            "updated_at": "2025-03-25T17:48:11+08:00",
        }
    )
    assert b.machine_id == "24fb4ca36a" and b.msg == "开机缓慢"
    assert b.expired_time == datetime(2025, 3, 26, 17, 48, 11, tzinfo=CST)


def test_duration_package_dc_list_string_or_list() -> None:
    a = DurationPackage.from_api(
        {"gpu_type": "RTX 4090", "total": 86400, "balance": 83829, "dc_list": "westDC2,westDC3"}
    )
    b = DurationPackage.from_api({"gpu_type": "L20", "dc_list": ["beijingDC4"]})
    assert a.dc_list == ("westDC2", "westDC3") and a.used_s == 86400 - 83829
    assert b.dc_list == ("beijingDC4",) and b.total_s == 0


def test_gpu_stock_shapes() -> None:
    doc = [
        {"RTX 4090": {"idle_gpu_num": 215, "total_gpu_num": 2285}},
        {"RTX 3080 Ti": {"idle_gpu_num": 20, "total_gpu_num": 392}},
    ]
    live = [
        {"RTX 4090": {"total_gpu_num": 298, "idle_gpu_num": 55, "chip_corp": "nvidia",
                      "cpu_arch": "x86"}}
    ]  # fmt: skip
    keyed = {"L20": {"idle_gpu_num": 3, "total_gpu_num": 8, "gpu_name": "L20"}}
    flat = [{"gpu_name": "H800", "idle_gpu_num": 1, "total_gpu_num": 2}]
    assert [(s.gpu_name, s.idle, s.total) for s in parse_gpu_stock(doc, "westDC2")] == [
        ("RTX 4090", 215, 2285),
        ("RTX 3080 Ti", 20, 392),
    ]
    (one,) = parse_gpu_stock(live, "westDC2")
    assert (one.region, one.chip_corp, one.cpu_arch) == ("westDC2", "nvidia", "x86")
    assert parse_gpu_stock(keyed, "beijingDC4")[0].gpu_name == "L20"
    assert parse_gpu_stock(flat, "neimengDC3")[0].gpu_name == "H800"
    assert parse_gpu_stock(None, "x") == [] and parse_gpu_stock([], "x") == []
    with pytest.raises(ValueError):
        parse_gpu_stock("sold out", "x")
    with pytest.raises(ValueError):
        parse_gpu_stock([{"RTX 4090": 5}], "x")


def test_page_parsing() -> None:
    data = {"list": [{"id": 1, "image_uuid": "a", "image_name": "n"}], "page_index": 0,
            "page_size": 10, "max_page": 3, "result_total": 21, "offset": 0, "page": 1}  # fmt: skip
    p = Page.from_api(data, PrivateImage.from_api, page_index=1, page_size=10)
    assert p.page_index == 1  # what we asked for, not a 0-based echo
    assert (p.max_page, p.result_total, len(p.items)) == (3, 21, 1)
    assert not p.is_last  # max_page wins over a short page
    empty = Page.from_api(None, PrivateImage.from_api, page_index=1, page_size=10)
    assert empty.items == () and empty.is_last
    nolist = Page.from_api({"list": None}, PrivateImage.from_api, page_index=2, page_size=5)
    assert nolist.items == () and nolist.result_total is None
    with pytest.raises(ValueError):
        Page.from_api([1, 2], PrivateImage.from_api, page_index=1, page_size=10)
    with pytest.raises(ValueError):
        Page.from_api({"list": "x"}, PrivateImage.from_api, page_index=1, page_size=10)
    with pytest.raises(ValueError):
        Page.from_api({"list": [1]}, PrivateImage.from_api, page_index=1, page_size=10)


def test_parse_list() -> None:
    assert parse_list(None, BlacklistEntry.from_api) == []
    with pytest.raises(ValueError):
        parse_list({"a": 1}, BlacklistEntry.from_api)


def test_models_are_frozen_and_hashable() -> None:
    c = Container.from_api(DOC_CONTAINER)
    with pytest.raises(AttributeError):
        c.status = "x"  # type: ignore[misc]
    assert hash(ContainerEvent("a", "running", None))
