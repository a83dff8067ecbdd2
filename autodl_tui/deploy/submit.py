"""Create a deployment exactly once: never resent blindly after an ambiguous failure.

A timeout, connection drop or 5xx after the request left may hide a create that happened.
`create_once` then looks the deployment up by name, comparing with the uuids that had that
name before, and either returns the one it finds or says it is absent, so a caller can offer
a retry knowing it will not make a second deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from autodl_tui.api.errors import AutoDLError, TransportError

if TYPE_CHECKING:
    from autodl_tui.api.client import AutoDLClient
    from autodl_tui.api.specs import DeploymentSpec

__all__ = ["CreateOutcomeUnknown", "Created", "create_once", "find_created"]


@dataclass(frozen=True, slots=True)
class Created:
    """A created deployment; `recovered` when the answer was lost and it was found by name."""

    uuid: str
    recovered: bool = False


class CreateOutcomeUnknown(Exception):
    """The create request failed in a way that does not say whether it happened.

    `checked` True: the list was searched by name and the deployment is not there, so a
    retry should not duplicate it. False: the search failed too; look at the list first.
    """

    def __init__(
        self,
        name: str,
        cause: TransportError,
        *,
        checked: bool,
        before: frozenset[str] | None,
        lookup_error: str = "",
    ) -> None:
        if checked:
            message = (
                f"the create of {name!r} failed ({cause.message}) and no deployment of that "
                "name appeared: it was not created, a retry is safe"
            )
        else:
            message = (
                f"the create of {name!r} failed ({cause.message}) and the list could not be "
                f"checked ({lookup_error}): look for {name!r} before trying again"
            )
        super().__init__(message)
        self.name = name
        self.cause = cause
        self.checked = checked
        #: Uuids that had this name before the create, for a later `find_created`.
        self.before = before


async def _named(client: AutoDLClient, name: str) -> list[tuple[str, object]]:
    found = await client.list_all_deployments(name=name)
    return [(d.uuid, d.created_at) for d in found if d.name == name]


async def find_created(
    client: AutoDLClient, name: str, before: frozenset[str] | None
) -> str | None:
    """The uuid of a deployment named `name` that was not in `before`, or None.

    With `before` unknown (None), a single deployment of that name counts as ours. Raises
    AutoDLError when the list cannot be read, or when several deployments have the name and
    `before` is unknown (they cannot be told apart).
    """
    named = await _named(client, name)
    new = [uuid for uuid, _ in named if before is None or uuid not in before]
    if before is None and len(new) > 1:
        raise AutoDLError(f"{len(new)} deployments are named {name!r}")
    # The list is newest first: the first new one is the latest create.
    return new[0] if new else None


async def create_once(client: AutoDLClient, spec: DeploymentSpec) -> Created:
    """Send the create once and return the uuid.

    Raises:
        InvalidRequestError: the spec is invalid (nothing sent) or was rejected.
        ApiError: the service refused it (nothing was created).
        CreateOutcomeUnknown: the answer was lost; `checked` says whether a retry is safe.

    """
    client.flavor.validate(spec)
    try:
        before: frozenset[str] | None = frozenset(u for u, _ in await _named(client, spec.name))
    except AutoDLError:
        before = None  # the create is still worth trying; ambiguity is judged without it
    try:
        return Created(await client.create_deployment(spec))
    except TransportError as exc:
        cause = exc
    try:
        uuid = await find_created(client, spec.name, before)
    except AutoDLError as exc:
        raise CreateOutcomeUnknown(
            spec.name, cause, checked=False, before=before, lookup_error=exc.message
        ) from cause
    if uuid is None:
        raise CreateOutcomeUnknown(spec.name, cause, checked=True, before=before) from cause
    return Created(uuid, recovered=True)
