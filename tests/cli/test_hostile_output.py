"""Nothing a hostile server sends reaches stdout or stderr as a control byte, in any format."""

from __future__ import annotations

from collections.abc import Iterator

import hostile as h
import pytest
from cli_helpers import cli

FORMATS = ("--json", "--ndjson", None)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[h.Hostile, str]]:
    names = {f"n-{name}-": payload for name, payload in h.ATTACKS.items()}
    hostile = h.Hostile(fleet=h.build_fleet(names, ids=True))
    with h.serve(hostile) as url:
        yield hostile, url


def forbidden_in(text: str) -> list[str]:
    data = text.encode("utf-8", "surrogateescape")
    found = [name for name, seqs in h.FORBIDDEN.items() for seq in seqs if seq in data]
    if b"\x1b" in data or b"\x07" in data:
        found.append("a raw ESC or BEL")
    return found


def test_every_listing_is_clean(server, tmp_path, capsys, monkeypatch) -> None:
    hostile, url = server
    monkeypatch.setenv("AUTODL_TOKEN", "hostile.test.token")
    base = ("--config", str(tmp_path / "none.toml"), "--base-url", url)
    dep = hostile.fleet.deployments[0]["uuid"]
    payloads = set(h.ATTACKS.values())
    for kind in ("deployments", "containers", "events", "stock", "images", "blacklist"):
        for fmt in FORMATS:
            args = ["ls", kind, *([dep] if kind in ("containers", "events") else [])]
            done = cli(capsys, monkeypatch, *base, *args, *([fmt] if fmt else []))
            assert done.code in (0, 3), done.err
            assert forbidden_in(done.out) == [] and forbidden_in(done.err) == [], (kind, fmt)
            if fmt == "--json" and kind == "deployments":
                names = {d["name"] for d in done.json()}
                # JSON escapes the controls, losing nothing: the names decode back exactly.
                assert any(any(n.endswith(p) for p in payloads) for n in names)
            if fmt is None and kind == "deployments":
                assert "␛]52;c;" in done.out


def test_error_messages_are_clean(server, tmp_path, capsys, monkeypatch) -> None:
    hostile, url = server
    monkeypatch.setenv("AUTODL_TOKEN", "hostile.test.token")
    hostile.mode, hostile.error_msg = "error", h.OSC52 + h.CLEAR
    try:
        done = cli(
            capsys,
            monkeypatch,
            "--config",
            str(tmp_path / "n.toml"),
            "--base-url",
            url,
            "ls",
            "deployments",
        )
    finally:
        hostile.mode, hostile.error_msg = "normal", ""
    assert done.code == 3
    assert forbidden_in(done.err) == [] and "␛]52;c;" in done.err
