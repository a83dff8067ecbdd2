"""Flavors: the public cloud (api.autodl.com) and the private cloud (private.autodl.com).

Both serve the same paths and envelope; a flavor shapes the few requests that differ and
hands answers to the models the app already uses. Sources, from /work/shared/api/REAL-WORLD.md:

- GPU stock: the public call is `POST /api/v1/dev/machine/region/gpu_stock` per region,
  answering a list of single-key objects (§5.3). The private cloud answers
  `GET /api/v1/dev/machine/gpu_stock` with a dict keyed by GPU name, `gpu_name` repeated
  inside (§5.3 "Older variants", §9). Its stock is the whole cluster, filed here under the
  one pseudo-region `CLUSTER`. A named region or a filter goes to `region/gpu_stock` with
  `dc_list` in the body, as the private-cloud client CYICZ cites does (sim/GUESSES.md).
- Create: the private cloud takes a single `cuda_v` (§9) and no region or CUDA-range fields
  (GEMCP's live validation of 2026-07-17, which §9 cites): `dc_list`, `cuda_v_from` and
  `cuda_v_to` are left out and `cuda_v` is `cuda_v_from`, the lowest version the spec
  accepts (the document's advice, §8.4).
- Blacklist list: `POST /api/v1/dev/deployment/blacklist/list` with `{}` on the private
  cloud (CYICZ's client; REAL-WORLD.md does not name it), `GET .../blacklist` publicly (§7.10).
- GPU names differ (driver names such as "NVIDIA GeForce RTX 4090", §5.2): nothing to
  translate here, since the app only shows the names the service gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodl_tui.api import endpoints as ep
from autodl_tui.api.endpoints import Endpoint
from autodl_tui.api.specs import StockFilter
from autodl_tui.catalog import FLAVOR_BASE_URLS, REGION_CODES, check_flavor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autodl_tui.api.specs import DeploymentSpec

__all__ = [
    "CLUSTER",
    "PRIVATE_BLACKLIST_LIST",
    "PRIVATE_GPU_STOCK",
    "Flavor",
    "PrivateFlavor",
    "PublicFlavor",
    "flavor_named",
]

Body = dict[str, Any]

#: The pseudo-region the private cloud's whole-cluster stock is filed under.
CLUSTER = "cluster"
PRIVATE_GPU_STOCK = Endpoint("GET", "/api/v1/dev/machine/gpu_stock")
PRIVATE_BLACKLIST_LIST = Endpoint("POST", "/api/v1/dev/deployment/blacklist/list")
# Template fields the private cloud's create does not take (see the module docstring).
_PUBLIC_ONLY_TEMPLATE = ("dc_list", "cuda_v_from", "cuda_v_to")


class Flavor:
    """The public cloud's requests; a subclass overrides only the calls that differ."""

    name = "public"
    #: The regions a fleet-wide stock read walks (the stock pane, `ls stock`).
    stock_regions: tuple[str, ...] = REGION_CODES
    #: Region codes `ls stock --region` accepts; None: any non-blank code is sent as given.
    known_regions: tuple[str, ...] | None = REGION_CODES
    #: Whether a create sends regions (`dc_list`): forms and templates ask for them only then.
    takes_regions = True

    @property
    def base_url(self) -> str:
        """The service root used when no base_url is configured."""
        return FLAVOR_BASE_URLS[self.name]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def stock_request(
        self, region: str, filter: StockFilter | None
    ) -> tuple[Endpoint, Body | None]:
        """Endpoint and body (None: a GET, no body) reading one region's stock."""
        return ep.GPU_STOCK, (filter or StockFilter()).to_body(region)

    def blacklist_request(self) -> tuple[Endpoint, Body | None]:
        """Endpoint and body listing the blacklist."""
        return ep.BLACKLIST_LIST, None

    def validate(self, spec: DeploymentSpec) -> None:
        """Raise InvalidRequestError listing every problem; nothing has been sent yet."""
        spec.validate(regions=self.takes_regions)

    def create_stock_regions(self, chosen: Sequence[str]) -> tuple[str, ...]:
        """Where a create's capacity is read: the chosen regions, or the flavor's own.

        A flavor whose create takes no regions (the private cloud) has one cluster's stock.
        """
        return tuple(chosen) if self.takes_regions else self.stock_regions

    def create_body(self, spec: DeploymentSpec) -> Body:
        """The create call's body for a validated spec."""
        return spec.to_body()


class PublicFlavor(Flavor):
    """api.autodl.com: the vendor document as it stands."""


class PrivateFlavor(Flavor):
    """private.autodl.com: one-cluster stock, a single `cuda_v`, a POST blacklist list."""

    name = "private"
    stock_regions = (CLUSTER,)
    known_regions = None
    takes_regions = False

    def stock_request(
        self, region: str, filter: StockFilter | None
    ) -> tuple[Endpoint, Body | None]:
        """The whole cluster by GET; a named region or any filter by POST with `dc_list`."""
        if region == CLUSTER and (filter is None or filter == StockFilter()):
            return PRIVATE_GPU_STOCK, None
        body = (filter or StockFilter()).to_body(region)
        if region == CLUSTER:
            del body["region_sign"]
        else:
            body["dc_list"] = [region]
        return ep.GPU_STOCK, body

    def blacklist_request(self) -> tuple[Endpoint, Body | None]:
        """`POST .../blacklist/list` with an empty object."""
        return PRIVATE_BLACKLIST_LIST, {}

    def create_body(self, spec: DeploymentSpec) -> Body:
        """The public body with the template's regions and CUDA range folded to `cuda_v`."""
        body = spec.to_body()
        template = dict(body["container_template"])
        for key in _PUBLIC_ONLY_TEMPLATE:
            template.pop(key, None)
        template["cuda_v"] = spec.template.cuda_v_from
        body["container_template"] = template
        return body


_BY_NAME: dict[str, Flavor] = {"public": PublicFlavor(), "private": PrivateFlavor()}


def flavor_named(name: str | Flavor) -> Flavor:
    """The flavor called `name` (a Flavor is returned as is); ValueError if there is none."""
    if isinstance(name, Flavor):
        return name
    return _BY_NAME[check_flavor(name)]
