"""The flavors' requests and answers on the wire (a recording MockTransport, no simulator)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_helpers import TOKEN, Recorder, envelope

from autodl_tui.api import (
    AutoDLClient,
    ContainerTemplateSpec,
    DeploymentSpec,
    InvalidRequestError,
    PermissionDeniedError,
    StockFilter,
)
from autodl_tui.api.flavor import CLUSTER, PrivateFlavor, PublicFlavor, flavor_named
from autodl_tui.catalog import REGION_CODES
from autodl_tui.config import ConfigError, default_config_text, parse_settings, select_profile

Make = Callable[..., tuple[AutoDLClient, Recorder]]

# The private cloud's stock answer: a dict keyed by GPU name, the name repeated inside
# (REAL-WORLD §5.3 "Older variants"); no request_id (GEMCP's live notes).
PRIVATE_STOCK = {
    "NVIDIA GeForce RTX 4090": {
        "gpu_name": "NVIDIA GeForce RTX 4090",
        "idle_gpu_num": 3,
        "total_gpu_num": 8,
    },
    "NVIDIA A40": {"gpu_name": "NVIDIA A40", "idle_gpu_num": 0, "total_gpu_num": 4},
}


def bare(data: Any) -> httpx.Response:
    """A Success envelope without request_id, as the private cloud answers."""
    return httpx.Response(200, json={"code": "Success", "msg": "", "data": data})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def spec(**template: Any) -> DeploymentSpec:
    base: dict[str, Any] = {
        "dc_list": ("westDC2",),
        "gpu_name_set": ("NVIDIA GeForce RTX 4090",),
        "image_uuid": "image-0123456789",
        "cmd": "sleep infinity",
        "cuda_v_from": 118,
        "cuda_v_to": 124,
    }
    base.update(template)
    return DeploymentSpec.replica_set("lab", ContainerTemplateSpec(**base), 2)


# --- naming and defaults ---------------------------------------------------------------------


def test_each_flavor_has_its_own_default_host() -> None:
    assert AutoDLClient(TOKEN).base_url == "https://api.autodl.com"
    private = AutoDLClient(TOKEN, flavor="private")
    assert private.base_url == "https://private.autodl.com"
    assert "flavor='private'" in repr(private) and TOKEN not in repr(private)
    assert AutoDLClient(TOKEN, "http://127.0.0.1:1", flavor="private").base_url.endswith(":1")
    assert isinstance(flavor_named("public"), PublicFlavor)
    assert isinstance(flavor_named(PrivateFlavor()), PrivateFlavor)


@pytest.mark.parametrize(("name", "hint"), [("privat", "'private'"), ("Public", "'public'")])
def test_an_unknown_flavor_is_refused_with_the_nearest_name(name: str, hint: str) -> None:
    with pytest.raises(ValueError, match=f"flavor must be public or private.*{hint}"):
        AutoDLClient(TOKEN, flavor=name)


# --- requests that differ --------------------------------------------------------------------


async def test_private_stock_is_the_whole_cluster_by_get(make_client: Make) -> None:
    client, rec = make_client(lambda r: bare(PRIVATE_STOCK), flavor="private")
    assert client.flavor.stock_regions == (CLUSTER,)
    stock = await client.get_gpu_stock(CLUSTER)
    assert (rec.last.method, rec.last.url.path) == ("GET", "/api/v1/dev/machine/gpu_stock")
    assert rec.last.content == b""
    assert [(s.region, s.gpu_name, s.idle, s.total) for s in stock] == [
        (CLUSTER, "NVIDIA GeForce RTX 4090", 3, 8),
        (CLUSTER, "NVIDIA A40", 0, 4),
    ]


async def test_private_stock_of_a_region_or_filtered_is_posted_with_dc_list(
    make_client: Make,
) -> None:
    client, rec = make_client(lambda r: bare(PRIVATE_STOCK), flavor="private")
    await client.get_gpu_stock("dcA")
    assert (rec.last.method, rec.last.url.path) == ("POST", "/api/v1/dev/machine/region/gpu_stock")
    assert body_of(rec.last) == {"region_sign": "dcA", "dc_list": ["dcA"]}
    await client.get_gpu_stock(CLUSTER, StockFilter(gpu_name_set=("NVIDIA A40",), cuda_v_from=118))
    assert rec.last.url.path.endswith("/region/gpu_stock")
    assert body_of(rec.last) == {"gpu_name_set": ["NVIDIA A40"], "cuda_v_from": 118}


async def test_public_stock_is_unchanged(make_client: Make) -> None:
    client, rec = make_client(lambda r: envelope([]))
    assert client.flavor.stock_regions == REGION_CODES
    await client.get_gpu_stock("westDC2")
    assert (rec.last.method, rec.last.url.path) == ("POST", "/api/v1/dev/machine/region/gpu_stock")
    assert body_of(rec.last) == {"region_sign": "westDC2"}


@pytest.mark.parametrize("wrapped", [False, True])
async def test_private_blacklist_is_a_post_to_blacklist_list(
    make_client: Make, wrapped: bool
) -> None:
    item = {"machine_id": "f94411a60c", "data_center": "dcA", "msg": "slow", "expired_time": None}
    data: Any = {"list": [item]} if wrapped else [item]
    client, rec = make_client(lambda r: bare(data), flavor="private")
    (entry,) = await client.list_blacklist()
    assert (rec.last.method, rec.last.url.path) == (
        "POST",
        "/api/v1/dev/deployment/blacklist/list",
    )
    assert body_of(rec.last) == {}
    assert (entry.machine_id, entry.msg) == ("f94411a60c", "slow")


async def test_private_create_sends_one_cuda_v_and_no_regions(make_client: Make) -> None:
    client, rec = make_client(lambda r: bare({"deployment_uuid": "c776a3a3a0"}), flavor="private")
    assert await client.create_deployment(spec()) == "c776a3a3a0"
    template = body_of(rec.last)["container_template"]
    assert template["cuda_v"] == 118  # the lowest version the spec accepts
    assert not {"dc_list", "cuda_v_from", "cuda_v_to", "region_sign"} & set(template)
    assert template["gpu_name_set"] == ["NVIDIA GeForce RTX 4090"]
    # No region is needed at all on the private cloud.
    assert await client.create_deployment(spec(dc_list=())) == "c776a3a3a0"


async def test_public_create_still_needs_a_region_and_sends_the_range(make_client: Make) -> None:
    client, rec = make_client(lambda r: envelope({"deployment_uuid": "c776a3a3a0"}))
    with pytest.raises(InvalidRequestError, match="dc_list"):
        await client.create_deployment(spec(dc_list=()))
    assert rec.requests == []
    await client.create_deployment(spec())
    template = body_of(rec.last)["container_template"]
    assert (template["dc_list"], template["cuda_v_from"], template["cuda_v_to"]) == (
        ["westDC2"],
        118,
        124,
    )
    assert "cuda_v" not in template


async def test_private_create_still_checks_the_rest(make_client: Make) -> None:
    client, rec = make_client(flavor="private")
    with pytest.raises(InvalidRequestError) as info:
        await client.create_deployment(spec(dc_list=(), gpu_name_set=(), cuda_v_from=0))
    problems = info.value.problems
    assert any("gpu_name_set" in p for p in problems)
    assert any("cuda_v_from" in p for p in problems)
    assert not any("dc_list" in p for p in problems)
    assert rec.requests == []


async def test_a_private_error_without_request_id_is_still_classified(make_client: Make) -> None:
    answer = {"code": "BadRequest", "msg": "无当前资源访问权限", "data": None}
    client, _ = make_client(lambda r: httpx.Response(200, json=answer), flavor="private")
    with pytest.raises(PermissionDeniedError) as info:
        await client.list_blacklist()
    assert info.value.request_id == "" and "request_id" not in str(info.value)


# --- the config key --------------------------------------------------------------------------


def test_config_flavor_sets_the_default_host() -> None:
    assert parse_settings({}).flavor == "public"
    settings = parse_settings({"flavor": "private"})
    assert (settings.flavor, settings.base_url) == ("private", "https://private.autodl.com")
    own = parse_settings({"flavor": "private", "base_url": "http://127.0.0.1:9"})
    assert own.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"flavor": "privte"}, "flavor must be public or private, not 'privte'; did you mean"),
        ({"flavor": 1}, "flavor must be a string"),
        ({"flavr": "private"}, "unknown key 'flavr'; did you mean 'flavor'?"),
        ({"profiles": {"lab": {"flavor": "pub"}}}, "[profiles.lab]: flavor must be"),
    ],
)
def test_config_flavor_is_validated(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(doc)
    assert message in str(info.value)


def test_a_profile_flavor_moves_a_default_host_but_not_a_chosen_one() -> None:
    doc = {
        "profiles": {
            "lab": {"flavor": "private"},
            "mine": {"flavor": "private", "base_url": "http://127.0.0.1:9"},
            "pub": {"flavor": "public"},
        }
    }
    lab = select_profile(parse_settings(doc), "lab")
    assert (lab.flavor, lab.base_url) == ("private", "https://private.autodl.com")
    mine = select_profile(parse_settings(doc), "mine")
    assert (mine.flavor, mine.base_url) == ("private", "http://127.0.0.1:9")
    top = {"flavor": "private", "base_url": "http://127.0.0.1:7", **doc}
    back = select_profile(parse_settings(top), "pub")
    assert (back.flavor, back.base_url) == ("public", "http://127.0.0.1:7")


def test_the_default_config_names_the_flavor_and_reads_back() -> None:
    import tomllib

    text = default_config_text()
    assert 'flavor = "public"' in text
    assert parse_settings(tomllib.loads(text)).flavor == "public"
