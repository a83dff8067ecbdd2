"""The simulator's own safety limits: what keeps a hostile or careless client from exhausting it.

None of these is a documented rule of the AutoDL service (the document states no size limits);
each is the simulator protecting itself, and its error message says so. Where a number has an
outside origin the comment names it; the rest are inferences, listed in GUESSES.md.
"""

from __future__ import annotations

#: Largest request body read, in bytes. nginx's default `client_max_body_size` is 1 MiB and it
#: answers 413 beyond it; the largest documented body (a create) is under 2 KB.
MAX_BODY_BYTES = 1 << 20

#: Longest `cmd` / `cmd_before_shutdown`, in characters. Linux refuses a single argv string
#: longer than MAX_ARG_STRLEN (128 KiB), and a cmd reaches the container as one `sh -c` argument.
MAX_CMD_CHARS = 128 * 1024

#: Longest name, comment, uuid, filter or other short text field, in characters (inference:
#: the usual VARCHAR(255) column; every real value seen is under 64).
MAX_TEXT_CHARS = 255

#: Longest env_vars value, in characters (inference: a value is a line of configuration).
MAX_ENV_VALUE_CHARS = 4096

#: Most items in any list field (gpu_name_set, dc_list, status) and most env_vars entries
#: (inference: there are 11 regions and about 20 GPU models).
MAX_LIST_ITEMS = 64

#: Most containers one deployment may ask for at once (replica_num, parallelism_num). The
#: simulated world has about 15 000 GPUs; a larger target could never be met and would only
#: make every reconcile walk millions of waiting containers.
MAX_REPLICAS = 10_000

#: Most deployments alive at once in one simulated account (inference; the demo fleet has 8).
MAX_DEPLOYMENTS = 1000

#: Released containers kept per deployment for `released: true` listings, oldest dropped first;
#: a ReplicaSet whose cmd exits at once otherwise grows without bound.
MAX_RELEASED_PER_DEPLOYMENT = 1000

#: Events kept per deployment, oldest dropped first (same reason).
MAX_EVENTS_PER_DEPLOYMENT = 20_000

#: Fastest clock: a virtual day per real second. Beyond it virtual time reaches the year 9999
#: (the end of Python's datetime) within a few weeks of running.
MAX_SPEED = 86_400.0

#: Longest latency the `--latency-ms` flag accepts (a minute; the fault timeout holds 30 s).
MAX_LATENCY_MS = 60_000.0

#: Most scheduled transitions one request applies; a larger backlog is worked off by the
#: following requests, so no single request can hold the event loop (and SIGTERM) for long.
MAX_TRANSITIONS_PER_SYNC = 20_000

#: Market ticks older than this are skipped rather than replayed when the clock jumps ahead
#: (the market is random noise; replaying a fast clock's idle hours would take minutes).
MARKET_CATCHUP_S = 3600.0


def simulator_limit(what: str) -> str:
    """A message naming a limit that is the simulator's, not the service's."""
    return f"{what} (a limit of this simulator, not of the AutoDL service)"
