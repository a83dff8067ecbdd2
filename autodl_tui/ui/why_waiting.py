"""The app's side of why-waiting (explain.py): asking stock for one deployment, the relaxed clone,
and the short reasons the containers pane shows, refreshed sparingly.

An explanation costs a few dozen gpu_stock calls (a bisection per blocked filter), so the pane's
reasons are asked at most once per REFRESH_S per deployment, and only for deployments with a
waiting container; a failed ask keeps the previous reason rather than inventing one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from autodl_tui.api.errors import AutoDLError
from autodl_tui.api.models import (
    BlacklistEntry,
)
from autodl_tui.explain import explain_waiting, is_waiting, relaxed_template as _relaxed

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from autodl_tui.api.models import (
        Container,
        Deployment,
        DeploymentTemplate,
        GpuStock,
    )
    from autodl_tui.api.specs import StockFilter
    from autodl_tui.deploy.template import Template
    from autodl_tui.explain import Explanation, Fetch, Relaxation

__all__ = ["REFRESH_S", "WaitingReasons", "relaxed_clone", "stock_explainer"]

#: Seconds before a deployment's reason is asked again (unless its template changed).
REFRESH_S = 120.0

Blacklist = Callable[[], Awaitable[list[BlacklistEntry]]]


def relaxed_clone(deployment: Deployment, relax: Relaxation) -> Template:
    """The create form's values: a clone of `deployment` with the one filter `relax` loosens."""
    from autodl_tui.deploy.template import template_from_deployment
    from autodl_tui.ui.create_form import clone_of

    return clone_of(_relaxed(template_from_deployment(deployment), relax))


async def _blacklist(read: Blacklist | None) -> list[BlacklistEntry]:
    # The blacklist only adds a sentence; the reason stands without it.
    if read is None:
        return []
    try:
        return await read()
    except AutoDLError:
        return []


def _asked_once(fetch: Fetch) -> Fetch:
    """`fetch`, asking each (region, filter) once: deployments made from one template ask
    the same questions, and a fleet's due reasons come together after its first load
    (126 deployments of the `large` fleet asked 142 stock queries, most of them twice).
    """
    answers: dict[tuple[str, StockFilter], Sequence[GpuStock]] = {}

    async def ask(region: str, flt: StockFilter) -> Sequence[GpuStock]:
        key = (region, flt)
        if key not in answers:
            answers[key] = tuple(await fetch(region, flt))
        return answers[key]

    return ask


def stock_explainer(
    deployment: Deployment, fetch: Fetch, blacklist: Blacklist | None = None
) -> Callable[[], Awaitable[Explanation]]:
    """What the container detail calls to explain a wait: stock (and the blacklist) asked now.

    `fetch` and `blacklist` are the client's `get_gpu_stock` and `list_blacklist`.
    """

    async def explain() -> Explanation:
        banned = await _blacklist(blacklist)
        return await explain_waiting(deployment.template, fetch, blacklist=banned)

    return explain


class WaitingReasons:
    """Reasons per deployment uuid, for `explain.waiting_reason_cell` in the pane."""

    def __init__(self, refresh_s: float = REFRESH_S) -> None:
        self.refresh_s = refresh_s
        self.reasons: dict[str, Explanation] = {}
        self._asked: dict[str, tuple[float, DeploymentTemplate]] = {}

    def due(
        self,
        deployments: Mapping[str, Deployment],
        containers: Iterable[Container],
        now_s: float,
    ) -> list[Deployment]:
        """Deployments with a waiting container whose reason is missing, old or stale."""
        waiting = {c.deployment_uuid for c in containers if is_waiting(c)}
        for gone in set(self.reasons) - waiting:
            # Nothing waits there any more: no reason to show, none to keep.
            self.reasons.pop(gone, None)
            self._asked.pop(gone, None)
        out = []
        for uuid in sorted(waiting):
            d = deployments.get(uuid)
            if d is None:
                continue
            asked = self._asked.get(uuid)
            if asked is None or asked[1] != d.template or now_s - asked[0] >= self.refresh_s:
                out.append(d)
        return out

    async def refresh(
        self,
        due: Iterable[Deployment],
        fetch: Fetch,
        now_s: float,
        blacklist: Blacklist | None = None,
    ) -> bool:
        """Ask stock for each deployment in `due`; whether any short reason changed."""
        changed = False
        banned: list[BlacklistEntry] | None = None
        shared = _asked_once(fetch)
        for d in due:
            if banned is None:
                banned = await _blacklist(blacklist)
            try:
                e = await explain_waiting(d.template, shared, blacklist=banned)
            except AutoDLError:
                continue  # keep what was shown; asked again next time
            self._asked[d.uuid] = (now_s, d.template)
            old = self.reasons.get(d.uuid)
            self.reasons[d.uuid] = e
            changed = changed or old is None or old.short != e.short
        return changed
