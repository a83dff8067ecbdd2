"""Run the CLI in-process against a socket simulator, capturing what it prints."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest

from autodl_tui.cli import main


@dataclass
class Done:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def ndjson(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines()]


class FakeStdin(io.StringIO):
    """stdin that says whether it is a terminal."""

    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: FakeStdin | None = None,
) -> Done:
    monkeypatch.setattr("sys.stdin", stdin or FakeStdin())
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return Done(code, captured.out, captured.err)
