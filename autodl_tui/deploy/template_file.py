"""Template files: commented TOML documents, edited with tomlkit so user comments survive.

Templates live in `<config dir>/templates/NAME.toml`. A new file gets every field with a
comment explaining it and its unit; saving over an existing file changes only the values
that changed, so the user's own comments, formatting and key order stay.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import Table

from autodl_tui.catalog import REGIONS, SHUTDOWN_CMD_TIMEOUT_S
from autodl_tui.deploy.template import (
    MAX_GPU_NUM,
    SECTION,
    TemplateError,
    parse_template,
    summary,
)
from autodl_tui.paths import templates_dir

if TYPE_CHECKING:
    from pathlib import Path

    from autodl_tui.deploy.template import (
        Template,
    )

__all__ = [
    "CONTAINER_KEYS",
    "TOP_KEYS",
    "TemplateFile",
    "check_template_name",
    "list_templates",
    "save_template",
    "template_path",
]

_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# --- field descriptions: the comments of a saved file --------------------------------------

_REGION_LINES = ", ".join(f"{r.code} {r.name}" for r in REGIONS)

TOP_KEYS: dict[str, str] = {
    "name": "Deployment name shown in lists. Keep it unique: after an ambiguous failure "
    "the create is looked up by name before any retry.",
    "deployment_type": '"ReplicaSet" keeps replica_num containers running; "Job" runs '
    'replica_num completions, parallelism_num at a time; "Container" runs one container.',
    "replica_num": "ReplicaSet: containers to keep running. Job: completions to run. "
    "Ignored for Container.",
    "parallelism_num": "Job only: at most this many containers at once (1 to replica_num).",
    "reuse_container": "true: restart this deployment's stopped containers instead of "
    "creating new ones (faster, keeps the disk).",
    "service_6006_port_protocol": 'Protocol of the service on port 6006: "http" or "tcp".',
    "service_6008_port_protocol": 'Protocol of the service on port 6008: "http" or "tcp".',
}

CONTAINER_KEYS: dict[str, str] = {
    "dc_list": f"Regions (codes) it may be scheduled in: {_REGION_LINES}.",
    "gpu_name_set": 'GPU models as the console names them, e.g. "RTX 4090"; any may be used.',
    "gpu_num": f"GPUs per container (1 to {MAX_GPU_NUM}).",
    "cuda_from": 'Lowest CUDA version the host driver must support, e.g. "11.8" (sent as '
    "the integer code 118). A wider range matches more hosts.",
    "cuda_to": 'Highest CUDA version to accept, e.g. "12.8" (sent as 128).',
    "cpu_num_from": "vCPUs per container, at least.",
    "cpu_num_to": "vCPUs per container, at most.",
    "memory_gb_from": "Container memory in GB (not bytes), at least.",
    "memory_gb_to": "Container memory in GB (not bytes), at most.",
    "price_yuan_from": "Base price per GPU in yuan per hour, at least (0.1 = 1 jiao; "
    "sent as yuan x 1000).",
    "price_yuan_to": "Base price per GPU in yuan per hour, at most.",
    "image_uuid": "A private image of the account (image-...) or a public base image, "
    "e.g. base-image-l2t43iu6uk = PyTorch 2.0.0, CUDA 11.8.",
    "cmd": "Command the container runs when it starts.",
    "cmd_before_shutdown": "Optional command run before a container stops; it is killed "
    f"after {SHUTDOWN_CMD_TIMEOUT_S} s.",
}

_HEADER = """\
autodl-tui deployment template. Create it with: autodl-tui deploy THIS.toml
Units: memory in GB, prices in yuan per hour, CUDA as "12.0"-style versions.
Your own comments and key order are kept when the app saves this file."""

_ALL_KEYS = {**TOP_KEYS, **CONTAINER_KEYS}


# --- files ----------------------------------------------------------------------------------


def _wrap(text: str, width: int = 92) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _same(old: object, new: object) -> bool:
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return list(old) == list(new)
    if isinstance(old, float | int) and isinstance(new, float | int):
        return not isinstance(old, bool) and not isinstance(new, bool) and old == new
    return type(old) is type(new) and old == new


class TemplateFile:
    """A template file as an editable tomlkit document: comments and key order are kept."""

    def __init__(self, document: tomlkit.TOMLDocument, path: Path | None = None) -> None:
        self.document = document
        self.path = path

    @classmethod
    def new(cls, template: Template, path: Path | None = None) -> TemplateFile:
        """A fresh document holding every field, each with a comment explaining it."""
        doc = tomlkit.document()
        for line in _HEADER.splitlines():
            doc.add(tomlkit.comment(line))
        doc.add(tomlkit.nl())
        values = template.as_fields()
        for key in TOP_KEYS:
            for line in _wrap(TOP_KEYS[key]):
                doc.add(tomlkit.comment(line))
            doc.add(key, values[key])
        table = tomlkit.table()
        for key in CONTAINER_KEYS:
            for line in _wrap(CONTAINER_KEYS[key]):
                table.add(tomlkit.comment(line))
            table.add(key, values[key])
        doc.add(tomlkit.nl())
        doc.add(SECTION, table)
        return cls(doc, path)

    @classmethod
    def parse(cls, text: str, path: Path | None = None) -> TemplateFile:
        """Parse TOML text; raise TemplateError when it is not TOML."""
        try:
            return cls(tomlkit.parse(text), path)
        except tomlkit.exceptions.ParseError as exc:
            where = f"{path}" if path else "template"
            raise TemplateError(f"{where} is not valid TOML: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> TemplateFile:
        """Read a template file; raise TemplateError when it is missing, unreadable or not TOML."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TemplateError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"cannot read {path}: {exc}") from exc
        return cls.parse(text, path)

    def read(self, *, regions: bool = True) -> tuple[Template, dict[str, str]]:
        """The values and every problem, per field (`regions`: see `Template.problems`)."""
        return parse_template(self.document.unwrap(), regions=regions)

    def template(self, *, regions: bool = True) -> Template:
        """The values; raise TemplateError listing the problems when invalid."""
        template, problems = self.read(regions=regions)
        if problems:
            raise TemplateError(summary(problems), problems)
        return template

    def update(self, template: Template) -> None:
        """Write `template`'s values, touching only keys whose value changed.

        Keys missing from the file are added with their comment; unknown keys are left alone.
        """
        values = template.as_fields()
        doc = self.document
        section = doc.get(SECTION)
        if not isinstance(section, Table):
            section = tomlkit.table()
            doc.add(SECTION, section)
        for key in _ALL_KEYS:
            # A key may sit at the top level or in the section; edit it where the user put it.
            container: Any = section
            if key in doc and key != SECTION or key not in section and key in TOP_KEYS:
                container = doc
            if key in container:
                if not _same(container[key], values[key]):
                    container[key] = values[key]
            elif container is section:
                for line in _wrap(CONTAINER_KEYS[key]):
                    section.add(tomlkit.comment(line))
                section.add(key, values[key])
            else:
                # Comment lines added to the document would land after the table, so the
                # explanation of a new top-level key goes inline.
                item = tomlkit.item(values[key])
                item.comment(TOP_KEYS[key])
                doc[key] = item

    def dumps(self) -> str:
        """The document as TOML text."""
        return tomlkit.dumps(self.document)

    def save(self, path: Path | None = None) -> Path:
        """Write the document (atomically: a crash never leaves half a file)."""
        target = path or self.path
        if target is None:
            raise TemplateError("no path to save the template to")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.tmp")
        partial.write_text(self.dumps(), encoding="utf-8")
        os.replace(partial, target)
        self.path = target
        return target


def check_template_name(name: str) -> str:
    """A template's file stem, or ValueError: letters, digits, '.', '_', '-', no path parts."""
    stem = name.strip().removesuffix(".toml")
    if not _TEMPLATE_NAME.fullmatch(stem):
        raise ValueError("use letters, digits, '.', '_' or '-' (at most 64), no '/'")
    return stem


def template_path(name: str, directory: Path | None = None) -> Path:
    """`<config dir>/templates/NAME.toml`; ValueError for a name that is no plain file name."""
    return (directory or templates_dir()) / f"{check_template_name(name)}.toml"


def list_templates(directory: Path | None = None) -> list[str]:
    """Names of the saved templates, sorted."""
    folder = directory or templates_dir()
    try:
        # `iterdir` is lazy: the folder is read (and may be missing) while the list is built,
        # so the whole walk sits inside the `try`. A fresh install has no templates folder.
        entries = [p for p in folder.iterdir() if p.suffix == ".toml"]
    except OSError:
        return []
    return sorted(p.stem for p in entries if not p.name.startswith("."))


def save_template(template: Template, name: str, directory: Path | None = None) -> Path:
    """Save under `templates/NAME.toml`, keeping the comments of an existing file."""
    path = template_path(name, directory)
    if path.exists():
        # A broken file raises instead of being replaced: it may hold work worth fixing.
        file = TemplateFile.load(path)
        file.update(template)
    else:
        file = TemplateFile.new(template, path)
    return file.save(path)
