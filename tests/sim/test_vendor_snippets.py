"""The vendor document's own `requests` snippets, run unchanged against a real `autodl-tui sim`.

Only the host and the token are rewritten, and U+00A0 (the document indents with 92 of them,
issue 13 item 10) is replaced by a space. Each snippet prints the answer's JSON; it must be
`Success` or the documented error for the example uuids the document uses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from sim_process import REPO, running_sim

DOC = REPO.parent / "shared" / "api" / "autodl-elastic-deployment-api.zh.md"
HOST = "https://api.autodl.com"
TOKEN_PLACEHOLDER = "您的token"
TOKEN = "snippet-token"

pytestmark = pytest.mark.skipif(
    not DOC.is_file(),
    reason=f"the vendor document is not at {DOC} (the shared folder sits beside the repo)",
)


def snippets() -> list[str]:
    """Every Python snippet of the document, in order, as the vendor wrote it."""
    text = DOC.read_text(encoding="utf-8")
    fenced = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    if fenced:
        return fenced
    # This copy has lost its fences: a snippet runs from `import requests` to its print.
    found = re.findall(
        r"^import requests\n.*?^print\(response\.content\.decode\(\)\)\n", text, flags=re.S | re.M
    )
    return found


def runnable(snippet: str, base_url: str) -> str:
    """The snippet with only the host, the token and U+00A0 changed."""
    return snippet.replace("\u00a0", " ").replace(HOST, base_url).replace(TOKEN_PLACEHOLDER, TOKEN)


def run(source: str) -> dict[str, Any]:
    """Run one snippet in a child Python (the test venv's, which has requests); its envelope."""
    done = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    envelope: dict[str, Any] = json.loads(done.stdout)
    return envelope


def call_of(snippet: str) -> tuple[str, str]:
    """(method, path) a snippet calls."""
    method = re.search(r"requests\.(get|post|put|delete)\(", snippet)
    url = re.search(r'url = "https://api\.autodl\.com(/[^"]*)"', snippet)
    assert method and url, snippet
    return method[1].upper(), url[1]


#: What the document's example uuids get from an account that does not hold them: the
#: service's "not found" error (REAL-WORLD §1.3: `RecordNotFoundError`, 私有镜像不存在 live for
#: the document's own image uuid).
UNKNOWN_RECORD = {
    ("POST", "/api/v1/dev/deployment"): "私有镜像不存在",
    ("POST", "/api/v1/dev/deployment/container/event/list"): "",
    ("POST", "/api/v1/dev/deployment/container/list"): "",
    ("PUT", "/api/v1/dev/deployment/container/stop"): "",
    ("PUT", "/api/v1/dev/deployment/replica_num"): "",
    ("PUT", "/api/v1/dev/deployment/operate"): "",
    ("DELETE", "/api/v1/dev/deployment"): "",
    ("POST", "/api/v1/dev/deployment/blacklist"): "",
    ("GET", "/api/v1/dev/deployment/ddp/overview"): "",
}
#: Calls that name no record and must simply succeed.
PLAIN = {
    ("POST", "/api/v1/dev/image/private/list"),
    ("GET", "/api/v1/dev/deployment/blacklist"),
    ("POST", "/api/v1/dev/machine/region/gpu_stock"),
}


def test_the_document_has_every_snippet_and_they_need_the_nbsp_fix() -> None:
    found = snippets()
    assert {call_of(s) for s in found} == set(UNKNOWN_RECORD) | PLAIN
    # Copied verbatim they do not even compile (issue 13 item 10).
    broken = 0
    for snippet in found:
        try:
            compile(snippet, "snippet", "exec")
        except SyntaxError:
            broken += 1
    assert broken > 0
    for snippet in found:
        compile(runnable(snippet, "http://127.0.0.1:1"), "snippet", "exec")


def test_snippets_run_unchanged_against_the_simulator() -> None:
    with running_sim("--fleet", "demo", "--token", TOKEN) as (_, url):
        for snippet in snippets():
            call = call_of(snippet)
            envelope = run(runnable(snippet, url))
            if call in PLAIN:
                assert envelope["code"] == "Success", (call, envelope)
            else:
                # Validation passed (no RequestParameterIsWrong): only the record is unknown.
                assert envelope["code"] == "RecordNotFoundError", (call, envelope)
                assert UNKNOWN_RECORD[call] in envelope["msg"]


def account_uuids(url: str) -> dict[str, str]:
    """Real uuids of the demo account to put where the document has its examples."""
    with httpx.Client(base_url=url + "/api/v1/dev", headers={"Authorization": TOKEN}) as http:
        page = {"page_index": 1, "page_size": 100}
        deps = http.post("/deployment/list", json=page).json()["data"]["list"]
        rs = [d for d in deps if d["deployment_type"] == "ReplicaSet" and d["running_num"] > 1]
        watched, scaled = rs[0]["uuid"], rs[1]["uuid"]
        body = {**page, "deployment_uuid": watched, "status": ["running"]}
        boxes = http.post("/deployment/container/list", json=body).json()["data"]["list"]
        image = http.post("/image/private/list", json=page).json()["data"]["list"][0]
    return {
        # events, containers and ddp read one deployment; replica_num, operate and delete act on
        # another, so the delete cannot hide what the later snippets look at.
        "424446e02893b5f": watched,
        "your uuid": watched,
        "5be3045703152b9": scaled,
        "da497aea1eb8343-f94411a60c-ec630659": boxes[0]["uuid"],
        "da497aea1eb8343-f94411a60c-1502e6e2": boxes[-1]["uuid"],
        "image-db8346e037": image["image_uuid"],
    }


def test_snippets_succeed_with_the_accounts_own_uuids() -> None:
    # The same snippets with the document's example uuids swapped for real ones: every call,
    # page_index 0, zeroed filters, DELETE with a body and all, must then be a Success.
    with running_sim("--fleet", "demo", "--token", TOKEN) as (_, url):
        uuids = account_uuids(url)
        for snippet in snippets():
            source = runnable(snippet, url)
            for example, real in uuids.items():
                source = source.replace(f'"{example}"', f'"{real}"')
            envelope = run(source)
            assert envelope["code"] == "Success", (call_of(snippet), envelope)


def test_our_files_carry_no_nbsp() -> None:
    # Our own examples must not repeat the document's U+00A0 indentation (issue 13 item 10).
    paths = [REPO / "README.md", *REPO.glob("examples/*"), *(REPO / "autodl_tui").rglob("*.md")]
    dirty = [str(p) for p in paths if p.is_file() and "\u00a0" in p.read_text(encoding="utf-8")]
    assert not dirty
