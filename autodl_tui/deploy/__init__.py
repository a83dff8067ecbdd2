"""Creating deployments without the UI: TOML templates, the pre-flight check, exactly-once submit.

No Textual imports here (a test checks): the headless `autodl-tui deploy` command and the
form screen both build on these modules.
"""

from __future__ import annotations

from autodl_tui.deploy.preflight import Preflight, RegionMatch, run_preflight
from autodl_tui.deploy.submit import Created, CreateOutcomeUnknown, create_once
from autodl_tui.deploy.template import (
    Template,
    TemplateError,
    parse_template,
    template_from_deployment,
    template_from_spec,
)
from autodl_tui.deploy.template_file import (
    TemplateFile,
    list_templates,
    save_template,
    template_path,
)

__all__ = [
    "CreateOutcomeUnknown",
    "Created",
    "Preflight",
    "RegionMatch",
    "Template",
    "TemplateError",
    "TemplateFile",
    "create_once",
    "list_templates",
    "parse_template",
    "run_preflight",
    "save_template",
    "template_from_deployment",
    "template_from_spec",
    "template_path",
]
