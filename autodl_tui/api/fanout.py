"""Reading many deployments' containers at once: the one fan-out of the package.

At most `in_flight` lists are read at a time (below the client's own in-flight bound, so a
user's action never queues behind hundreds of list calls). A list that fails maps to its
error and the rest go on; an `AuthError` or `PermissionDeniedError` is raised instead, since
every other list would fail the same way.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from autodl_tui.api.errors import AuthError, AutoDLError, PermissionDeniedError
from autodl_tui.api.paging import gather_all

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from autodl_tui.api.models import Container
    from autodl_tui.api.paging import Listing
    from autodl_tui.api.specs import ContainerFilter

__all__ = ["ContainerSource", "read_containers"]


class ContainerSource(Protocol):
    """What the fan-out needs: AutoDLClient, or a test double."""

    async def list_all_containers(
        self, deployment_uuid: str, filter: ContainerFilter | None = None
    ) -> Listing[Container]:
        """Every container of one deployment."""
        ...


async def read_containers(
    source: ContainerSource,
    uuids: Sequence[str],
    *,
    in_flight: int,
    on_answer: Callable[[Mapping[str, Listing[Container] | AutoDLError]], object] | None = None,
) -> dict[str, Listing[Container] | AutoDLError]:
    """Each deployment's containers (or the error reading them), keyed by uuid.

    `on_answer(answers)` is called after each answer with those arrived so far (read only:
    a caller can show a long read's first lists before its last arrive).
    """
    gate = asyncio.Semaphore(max(1, in_flight))
    answers: dict[str, Listing[Container] | AutoDLError] = {}

    async def one(uuid: str) -> None:
        async with gate:
            try:
                answers[uuid] = await source.list_all_containers(uuid)
            except (AuthError, PermissionDeniedError):
                raise
            except AutoDLError as exc:
                answers[uuid] = exc
        if on_answer is not None:
            on_answer(answers)

    await gather_all(one(uuid) for uuid in dict.fromkeys(uuids))
    return {uuid: answers[uuid] for uuid in dict.fromkeys(uuids)}
