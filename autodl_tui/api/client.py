"""`AutoDLClient`: one typed async method per call of the elastic-deployment API.

All requests share one lazily created `httpx.AsyncClient`; a semaphore bounds how many are
in flight (see `wire`) and a request budget how many go out a minute (see `budget`). Reads
and idempotent writes are retried on transport failures (see `retry`); creating a deployment
never is. List and stock reads reuse the parsed result of an answer identical to the
previous one for the same request (models are immutable), and a changed list keeps the
objects of its unchanged items (see `identity`). The
developer token is only ever placed in the `Authorization` header: it is absent from every
repr, str, log line and error.
"""

from __future__ import annotations

import asyncio
import random as _random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from autodl_tui.api import endpoints as ep
from autodl_tui.api.errors import (
    CODE_NOT_FOUND,
    HINT_CREATE_AMBIGUOUS,
    InvalidRequestError,
    NotFoundError,
    TransportError,
)
from autodl_tui.api.events import EventCursor
from autodl_tui.api.flavor import flavor_named
from autodl_tui.api.identity import share_page
from autodl_tui.api.models import (
    BlacklistEntry,
    Container,
    ContainerEvent,
    Deployment,
    DurationPackage,
    Page,
    PrivateImage,
    parse_gpu_stock,
    parse_list,
)
from autodl_tui.api.paging import dedupe, fetch_all_pages
from autodl_tui.api.retry import RetryPolicy
from autodl_tui.api.specs import (
    ContainerFilter,
    DeploymentSpec,
    check_blacklist,
    check_page,
    check_replica_num,
    require_text,
)
from autodl_tui.api.wire import DEFAULT_DEADLINE, MAX_BODY_BYTES, ClientStats, Wire
from autodl_tui.budget import DEFAULT_REQUESTS_PER_MINUTE, RequestBudget
from autodl_tui.catalog import (
    BLACKLIST_DEFAULT_MINUTES,
    DEFAULT_BASE_URL,
    DEPLOYMENT_STATUSES,
    now_cst,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from autodl_tui.api.flavor import Flavor
    from autodl_tui.api.models import (
        GpuStock,
    )
    from autodl_tui.api.paging import Listing
    from autodl_tui.api.specs import (
        StockFilter,
    )

__all__ = ["DEFAULT_BASE_URL", "AutoDLClient", "ClientStats"]

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
#: Items asked for per page of a list: the largest page size known to be accepted. The
#: document sets no maximum (`page_size`: "每页条目数", shared/api/autodl-elastic-deployment-
#: api.zh.md); shared/api/REAL-WORLD.md §3 finds none either: the largest cap any client
#: applies is 1,000 (PLUGIN's own schema), the sister site caps it at 100. A service that
#: caps it lower still works: `fetch_all_pages` trusts the page count it answers over the
#: size asked for (tests/api: "caps_page_size"). At 1,000 the `large` fleet's 520
#: deployments are one request instead of six, every 2 s.
DEFAULT_PAGE_SIZE = 1000
#: Events per page of an event cursor: a steady poll reads only page 1, so a small page
#: keeps the 2-second answer small (a new event is almost always on it).
EVENT_PAGE_SIZE = 100
#: Events an event cursor backfills at most: the newest 1,000 (ten pages at its page size;
#: the busiest deployment of the simulator's `large` fleet has about 900), which bounds its
#: walk to 22 pages however many pages a server claims.
EVENT_BACKFILL = 1000


class AutoDLClient:
    """Async client for AutoDL's elastic-deployment API (use as `async with`, or `aclose()`)."""

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_in_flight: int = 8,
        *,
        retry: RetryPolicy | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = now_cst,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        flavor: str | Flavor = "public",
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        budget: RequestBudget | None = None,
    ) -> None:
        """`deadline`: seconds one HTTP exchange may take in all; `max_body`: bytes read at most.

        `flavor`: "public" or "private" (api/flavor.py); `base_url` defaults to its host.
        `requests_per_minute`: the request budget (or pass a `budget` to share one).
        """
        if not isinstance(token, str) or not token.strip():
            raise ValueError("a developer token is required (控制台 -> 设置 -> 开发者Token)")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.page_size = page_size
        #: How the calls that differ between the public and private cloud are shaped.
        self.flavor: Flavor = flavor_named(flavor)
        base_url = base_url or self.flavor.base_url
        self._wire = Wire(
            token.strip(),
            base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            max_in_flight=max_in_flight,
            retry=retry if retry is not None else RetryPolicy(),
            sleep=sleep,
            random=random,
            now=now,
            deadline=deadline,
            max_body=max_body,
            budget=budget if budget is not None else RequestBudget(requests_per_minute),
        )
        #: Live counters (requests sent, retries, failures, reuses...) for diagnostics and benches.
        self.stats: ClientStats = self._wire.stats

    def __repr__(self) -> str:
        return (
            f"AutoDLClient(base_url={self.base_url!r}, flavor={self.flavor.name!r}, "
            f"max_in_flight={self.max_in_flight})"
        )

    @property
    def base_url(self) -> str:
        """The service root, e.g. https://api.autodl.com."""
        return self._wire.base_url

    @property
    def budget(self) -> RequestBudget:
        """The request budget every call of this client takes a token from."""
        return self._wire.budget

    @property
    def max_in_flight(self) -> int:
        """The most requests this client has on the wire at once."""
        return self._wire.max_in_flight

    # --- lifecycle ---

    async def __aenter__(self) -> AutoDLClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the shared HTTP client (a later call opens a new one)."""
        await self._wire.aclose()

    # --- the 13 calls ---

    async def list_private_images(
        self, page_index: int = 1, page_size: int | None = None, *, offset: int = 0
    ) -> Page[PrivateImage]:
        """One page of the account's private images."""
        size = page_size or self.page_size
        check_page(page_index, size, ep.PRIVATE_IMAGES)
        body: dict[str, Any] = {"page_index": page_index, "page_size": size}
        if offset:
            body["offset"] = offset
        return await self._wire.call(
            ep.PRIVATE_IMAGES,
            lambda d: Page.from_api(
                d, PrivateImage.from_api, page_index=page_index, page_size=size
            ),
            body=body,
        )

    async def create_deployment(self, spec: DeploymentSpec) -> str:
        """Create a deployment and return its uuid. Never retried automatically.

        Raises:
            InvalidRequestError: the spec is invalid (nothing was sent) or was rejected.
            TransportError: the outcome is unknown; check the list by name before retrying.

        """
        if not isinstance(spec, DeploymentSpec):
            raise InvalidRequestError.client_side(
                str(ep.DEPLOYMENT_CREATE), ["spec must be a DeploymentSpec"]
            )
        self.flavor.validate(spec)
        body = self.flavor.create_body(spec)
        try:
            return await self._wire.call(
                ep.DEPLOYMENT_CREATE, _parse_created_uuid, body=body, retry=False
            )
        except TransportError as exc:
            raise exc.with_hint(HINT_CREATE_AMBIGUOUS.format(name=spec.name)) from None

    async def list_deployments(
        self,
        page_index: int = 1,
        page_size: int | None = None,
        *,
        name: str = "",
        status: str = "",
        deployment_uuid: str = "",
    ) -> Page[Deployment]:
        """One page of deployments; `name` is an exact match, `status` "running"/"stopped"."""
        size = page_size or self.page_size
        check_page(page_index, size, ep.DEPLOYMENT_LIST)
        if status and status not in DEPLOYMENT_STATUSES:
            raise InvalidRequestError.client_side(
                str(ep.DEPLOYMENT_LIST), [f"status must be '', {' or '.join(DEPLOYMENT_STATUSES)}"]
            )
        body: dict[str, Any] = {"page_index": page_index, "page_size": size}
        for key, value in (
            ("name", name),
            ("status", status),
            ("deployment_uuid", deployment_uuid),
        ):
            if value:
                body[key] = value
        return await self._wire.call(
            ep.DEPLOYMENT_LIST,
            lambda d: Page.from_api(d, Deployment.from_api, page_index=page_index, page_size=size),
            body=body,
            reuse=True,
            share=share_page,
        )

    async def list_container_events(
        self,
        deployment_uuid: str,
        *,
        container_uuid: str = "",
        page_index: int = 1,
        page_size: int | None = None,
        offset: int = 0,
    ) -> Page[ContainerEvent]:
        """One page of container events, newest first (see `EventCursor` for polling)."""
        require_text(deployment_uuid, "deployment_uuid", ep.CONTAINER_EVENTS)
        size = page_size or self.page_size
        check_page(page_index, size, ep.CONTAINER_EVENTS)
        body: dict[str, Any] = {
            "deployment_uuid": deployment_uuid,
            "deployment_container_uuid": container_uuid,
            "page_index": page_index,
            "page_size": size,
        }
        if offset:
            body["offset"] = offset
        return await self._wire.call(
            ep.CONTAINER_EVENTS,
            lambda d: Page.from_api(
                d, ContainerEvent.from_api, page_index=page_index, page_size=size
            ),
            body=body,
            reuse=True,
        )

    async def list_containers(
        self,
        deployment_uuid: str,
        filter: ContainerFilter | None = None,
        *,
        page_index: int = 1,
        page_size: int | None = None,
        offset: int = 0,
    ) -> Page[Container]:
        """One page of a deployment's containers, optionally filtered."""
        require_text(deployment_uuid, "deployment_uuid", ep.CONTAINER_LIST)
        size = page_size or self.page_size
        check_page(page_index, size, ep.CONTAINER_LIST)
        body: dict[str, Any] = {"deployment_uuid": deployment_uuid}
        if filter is not None:
            filter.validate()
            body.update(filter.to_body())
        body.update(page_index=page_index, page_size=size)
        if offset:
            body["offset"] = offset
        return await self._wire.call(
            ep.CONTAINER_LIST,
            lambda d: Page.from_api(d, Container.from_api, page_index=page_index, page_size=size),
            body=body,
            reuse=True,
            share=share_page,
        )

    async def stop_container(
        self,
        container_uuid: str,
        *,
        decrease_one_replica_num: bool = False,
        no_cache: bool = False,
        cmd_before_shutdown: str = "",
    ) -> None:
        """Stop one container; `decrease_one_replica_num` also lowers a ReplicaSet's count.

        Retried on transport failures, except with `decrease_one_replica_num`: a repeat
        after an unseen success could lower the count twice.
        """
        require_text(container_uuid, "deployment_container_uuid", ep.CONTAINER_STOP)
        body: dict[str, Any] = {
            "deployment_container_uuid": container_uuid,
            "decrease_one_replica_num": decrease_one_replica_num,
            "no_cache": no_cache,
        }
        if cmd_before_shutdown:
            body["cmd_before_shutdown"] = cmd_before_shutdown
        await self._wire.call(
            ep.CONTAINER_STOP, _ignore, body=body, retry=not decrease_one_replica_num
        )

    async def set_replica_num(self, deployment_uuid: str, replica_num: int) -> None:
        """Set a ReplicaSet's target container count."""
        require_text(deployment_uuid, "deployment_uuid", ep.DEPLOYMENT_REPLICAS)
        check_replica_num(replica_num)
        await self._wire.call(
            ep.DEPLOYMENT_REPLICAS,
            _ignore,
            body={"deployment_uuid": deployment_uuid, "replica_num": replica_num},
        )

    async def stop_deployment(self, deployment_uuid: str) -> None:
        """Stop a deployment and all its containers (idempotent)."""
        require_text(deployment_uuid, "deployment_uuid", ep.DEPLOYMENT_OPERATE)
        await self._wire.call(
            ep.DEPLOYMENT_OPERATE,
            _ignore,
            body={"deployment_uuid": deployment_uuid, "operate": "stop"},
        )

    async def delete_deployment(self, deployment_uuid: str) -> None:
        """Delete a deployment, stopping it first if it runs (DELETE with a JSON body)."""
        require_text(deployment_uuid, "deployment_uuid", ep.DEPLOYMENT_DELETE)
        await self._wire.call(
            ep.DEPLOYMENT_DELETE, _ignore, body={"deployment_uuid": deployment_uuid}
        )

    async def set_blacklist(
        self,
        container_uuid: str,
        *,
        expire_in_minutes: int = BLACKLIST_DEFAULT_MINUTES,
        comment: str = "",
    ) -> None:
        """Keep this account's containers off the host of `container_uuid` for a while."""
        require_text(container_uuid, "deployment_container_uuid", ep.BLACKLIST_SET)
        check_blacklist(expire_in_minutes)
        body: dict[str, Any] = {
            "deployment_container_uuid": container_uuid,
            "expire_in_minutes": expire_in_minutes,
        }
        if comment:
            body["comment"] = comment
        await self._wire.call(ep.BLACKLIST_SET, _ignore, body=body)

    async def list_blacklist(self) -> list[BlacklistEntry]:
        """Blacklist entries still in force."""
        endpoint, body = self.flavor.blacklist_request()
        return await self._wire.call(
            endpoint, lambda d: parse_list(_unwrap_list(d), BlacklistEntry.from_api), body=body
        )

    async def get_gpu_stock(
        self, region_sign: str, filter: StockFilter | None = None
    ) -> list[GpuStock]:
        """Idle/total cards per GPU model in one region (unknown regions answer empty)."""
        require_text(region_sign, "region_sign", ep.GPU_STOCK)
        if filter is not None:
            filter.validate()
        endpoint, body = self.flavor.stock_request(region_sign, filter)
        stock = await self._wire.call(
            endpoint,
            lambda d: tuple(parse_gpu_stock(d, region_sign)),
            body=body,
            reuse=True,
        )
        return list(stock)  # a list of its own: the tuple is kept for reuse

    async def get_ddp_overview(self, deployment_uuid: str) -> list[DurationPackage]:
        """Duration packages (时长包) a deployment can draw on."""
        require_text(deployment_uuid, "deployment_uuid", ep.DDP_OVERVIEW)
        return await self._wire.call(
            ep.DDP_OVERVIEW,
            lambda d: parse_list(_unwrap_list(d), DurationPackage.from_api),
            params={"deployment_uuid": deployment_uuid},
        )

    # --- composite helpers ---

    async def list_all_deployments(
        self, *, name: str = "", status: str = ""
    ) -> Listing[Deployment]:
        """Every deployment (all pages up to MAX_PAGES; page 1 first, the rest concurrently)."""
        items = await fetch_all_pages(lambda i: self.list_deployments(i, name=name, status=status))
        return dedupe(items, key=lambda d: d.uuid)

    async def list_all_containers(
        self, deployment_uuid: str, filter: ContainerFilter | None = None
    ) -> Listing[Container]:
        """Every container of a deployment (all pages up to MAX_PAGES)."""
        items = await fetch_all_pages(
            lambda i: self.list_containers(deployment_uuid, filter, page_index=i)
        )
        return dedupe(items, key=lambda c: c.uuid)

    async def container(self, deployment_uuid: str, container_uuid: str) -> Container:
        """The container with exactly this uuid, read now (for credentials at copy time).

        The answer is searched for that uuid rather than trusted to be filtered: a server
        that ignores the filter must not hand over another container's password.

        Raises:
            NotFoundError: no container with that uuid is in the answer.

        """
        require_text(container_uuid, "container_uuid", ep.CONTAINER_LIST)
        answer = await self.list_all_containers(
            deployment_uuid, ContainerFilter(container_uuid=container_uuid)
        )
        for found in answer:
            if found.uuid == container_uuid:
                return found
        raise NotFoundError(
            CODE_NOT_FOUND,
            f"container {container_uuid} is not in the answer",
            endpoint=str(ep.CONTAINER_LIST),
        )

    async def list_all_private_images(self) -> Listing[PrivateImage]:
        """Every private image (all pages up to MAX_PAGES)."""
        items = await fetch_all_pages(lambda i: self.list_private_images(i))
        return dedupe(items, key=lambda im: im.image_uuid or im.id)

    def event_cursor(
        self,
        deployment_uuid: str,
        container_uuid: str = "",
        *,
        page_size: int = EVENT_PAGE_SIZE,
        max_backfill: int = EVENT_BACKFILL,
    ) -> EventCursor:
        """A cursor yielding each new event of a deployment (or one container) once."""
        return EventCursor(
            self, deployment_uuid, container_uuid, page_size=page_size, max_backfill=max_backfill
        )


# --- envelope helpers ---


def _ignore(data: object) -> None:
    """Mutations answer `data: null` (or anything); nothing to parse."""


def _unwrap_list(data: object) -> object:
    """Lists documented as bare arrays; some clients expect `{"list": [...]}`: take both."""
    if isinstance(data, Mapping) and "list" in data:
        return data["list"]
    return data


def _parse_created_uuid(data: object) -> str:
    if isinstance(data, Mapping):
        data = data.get("deployment_uuid")
    if isinstance(data, str) and data:
        return data
    raise ValueError("create answered Success without a deployment_uuid")
